-- Engagement cross-tab: mean engagement of the users of every value of every
-- categorical attribute, with an index against all users (100 = average).
-- The first row (attribute all_users) is the baseline.

{%- set attributes = categorical_attributes() %}

with

category_values as (

    select * from {{ ref('category_values') }}

),

attribute_values as (

    select * from {{ ref('int_attribute_values_aggregated') }}

),

attribute_order as (

    select
        'all_users' as attribute,
        0 as attribute_order
    {%- for attribute in attributes %}
        union all
        select
            '{{ attribute }}' as attribute,
            {{ loop.index }} as attribute_order
    {%- endfor %}

),

all_levels as (

    select
        attribute,
        value,
        sort_order as value_order
    from category_values
    union all
    select
        'all_users' as attribute,
        'All users' as value,
        1 as value_order

),

overall as (

    select * from attribute_values
    where attribute = 'all_users'

),

final as (

    select
        -- ids
        all_levels.attribute,
        all_levels.value,

        -- numerics
        attribute_order.attribute_order,
        all_levels.value_order,
        coalesce(attribute_values.users, 0) as users,
        coalesce(attribute_values.users, 0) / nullif(overall.users, 0) as share_of_users,
        attribute_values.avg_click_through_rate,
        attribute_values.avg_conversion_rate,
        attribute_values.avg_expected_conversions_per_impression,
        attribute_values.avg_weekday_hours_online,
        attribute_values.avg_weekend_hours_online,
        attribute_values.avg_weekly_hours_online,
        attribute_values.avg_weekend_share_of_time,
        attribute_values.avg_ad_interaction_seconds,
        attribute_values.avg_likes_and_reactions,
        attribute_values.avg_interest_count,
        attribute_values.avg_engagement_score,
        100 * attribute_values.avg_click_through_rate
        / nullif(overall.avg_click_through_rate, 0) as click_through_rate_index,
        100 * attribute_values.avg_conversion_rate
        / nullif(overall.avg_conversion_rate, 0) as conversion_rate_index,
        100 * attribute_values.avg_weekly_hours_online
        / nullif(overall.avg_weekly_hours_online, 0) as weekly_hours_online_index

    from all_levels
    inner join attribute_order
        on all_levels.attribute = attribute_order.attribute
    left join attribute_values
        on
            all_levels.attribute = attribute_values.attribute
            and all_levels.value = attribute_values.value
    cross join overall

)

select * from final
order by attribute_order, value_order
