{#-
    The column identifies the rows: fails for every value that is null or
    occurs more than once (a null key is reported once, with how many rows
    have it). One aggregation over the model, where `unique` and `not_null`
    would each read it: the primary-key test of every model that has a
    single-column key.
-#}
{% test primary_key(model, column_name) %}

with

key_counts as (

    select
        {{ column_name }} as key_value,
        count(*) as occurrences
    from {{ model }}
    group by {{ column_name }}

),

problems as (

    select
        key_value,
        occurrences,
        case
            when key_value is null then 'null key'
            else 'duplicate key'
        end as problem
    from key_counts
    where key_value is null or occurrences > 1

)

select * from problems

{% endtest %}
