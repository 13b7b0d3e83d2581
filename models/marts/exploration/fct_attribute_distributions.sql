-- Distribution of every categorical attribute: one row per attribute and
-- accepted value (zero users included), in the attributes' natural order.
-- One pass over the users (a grouping set per attribute).

{%- set attributes = categorical_attributes() %}

with

category_values as (

    select * from {{ ref('category_values') }}

),

users as (

    select * from {{ ref('stg_user_profiles') }}

),

grouped as (

    select
        {{ attribute_rollup_keys(attributes) }},
        count(*) as users
    from users
    group by {{ attribute_rollup_grouping_sets(attributes) }} -- noqa: PRS

),

attribute_values as (

    select
        {{ attribute_rollup_labels(attributes) }},
        users
    from grouped

),

attribute_order as (

    {%- for attribute in attributes %}
        select
            '{{ attribute }}' as attribute,
            {{ loop.index }} as attribute_order
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

population as (

    select users as total_users
    from attribute_values
    where attribute = 'all_users'

),

final as (

    select
        -- ids
        category_values.attribute,
        category_values.value,

        -- numerics
        attribute_order.attribute_order,
        category_values.sort_order as value_order,
        coalesce(attribute_values.users, 0) as users,
        coalesce(attribute_values.users, 0) / nullif(population.total_users, 0) as share_of_users

    from category_values
    inner join attribute_order
        on category_values.attribute = attribute_order.attribute
    left join attribute_values
        on
            category_values.attribute = attribute_values.attribute
            and category_values.value = attribute_values.value
    cross join population

)

select * from final
order by attribute_order, value_order
