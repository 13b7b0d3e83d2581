-- Summary of every numeric attribute of fct_user_features: count, min,
-- quartiles, mean, sample standard deviation, max. One pass over the users.

{%- set columns = exploration_numeric_columns() %}

with

-- not materialized: read more than once, and recomputing only the columns
-- each reader needs is cheaper than holding every user in memory
user_features as not materialized (

    select * from {{ ref('fct_user_features') }}

),

-- whether the user is in the quantile sample: computed once per user, not
-- once per column in each quantile's filter
sample_flags as (

    select
        *,
        {{ quantile_sample('user_id', ref('fct_user_features')) }} as is_quantile_sample
    from user_features

),

-- first pass, one row: count, range, quartiles and mean of every column
statistics as (

    select
        {%- for column in columns %}
            count({{ column }}) as {{ column }}__count,
            min({{ column }})::double as {{ column }}__min,
            quantile_cont({{ column }}, [0.25, 0.5, 0.75]) filter (where is_quantile_sample) as {{ column }}__quartiles,
            {{ exact_avg(column) }} as {{ column }}__mean,
            max({{ column }})::double as {{ column }}__max,
        {%- endfor %}
        count(*) as total_users
    from sample_flags

),

-- second pass, one row: the sample standard deviation of every column
deviations as (

    select
        {%- for column in columns %}
            sqrt(
                {{ exact_sum_of_squared_deviations('user_features.' ~ column, 'statistics.' ~ column ~ '__mean') }}
                / nullif(count(user_features.{{ column }}) - 1, 0)
            ) as {{ column }}__stddev,
        {%- endfor %}
        count(*) as total_users
    from user_features
    cross join statistics

),

unpivoted as (

    {%- for column in columns %}
        select
            '{{ column }}' as attribute,
            {{ loop.index }} as attribute_order,
            {{ column }}__count as users,
            {{ column }}__min as min_value,
            {{ column }}__quartiles[1]::double as p25_value,
            {{ column }}__quartiles[2]::double as median_value,
            {{ column }}__quartiles[3]::double as p75_value,
            {{ column }}__mean as mean_value,
            deviations.{{ column }}__stddev as stddev_value,
            {{ column }}__max as max_value
        from statistics
        cross join deviations
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        -- ids
        attribute,

        -- numerics
        attribute_order,
        users,
        min_value,
        p25_value,
        median_value,
        p75_value,
        mean_value,
        stddev_value,
        max_value

    from unpivoted

)

select * from final
order by attribute_order
