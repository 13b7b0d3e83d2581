-- Engagement cross-tab: mean engagement of the users of every value of the
-- cross-tab attributes (age band, income band, device usage), with an index
-- against all users (100 = average). The first row (attribute all_users) is
-- the baseline. One pass over the users (exact sums per combination of the
-- attributes, rolled up by grouping sets); means are exact decimal means
-- (macros/exact_aggregates.sql), independent of threads.

{%- set attributes = engagement_crosstab_attributes() %}
{%- set engagement_metrics = [
    'click_through_rate', 'conversion_rate', 'expected_conversions_per_impression', 'weekly_hours_online',
    'weekend_share_of_time', 'ad_interaction_seconds', 'engagement_score'
] %}

with

category_values as (

    select * from {{ ref('category_values') }}

),

user_features as (

    select * from {{ ref('fct_user_features') }}

),

-- the one pass over the users: exact sums and counts per combination of the
-- attributes (a few hundred rows); exact sums add up exactly, so the grouping
-- sets below roll these up instead of reading every user once per attribute
combinations as (

    select
        {%- for attribute in attributes %}
            {{ attribute }},
        {%- endfor %}
        {%- for metric in engagement_metrics %}
            {{ exact_partial_sums(metric, metric) }},
        {%- endfor %}
        count(*) as users
    from user_features
    group by all

),

grouped as (

    select
        {{ attribute_rollup_keys(attributes) }},
        {%- for metric in engagement_metrics %}
            {{ exact_avg_of_partials(metric) }} as avg_{{ metric }},
        {%- endfor %}
        sum(users)::bigint as users
    from combinations
    group by {{ attribute_rollup_grouping_sets(attributes) }} -- noqa: PRS

),

attribute_values as (

    select
        {{ attribute_rollup_labels(attributes) }},
        users,
        avg_click_through_rate,
        avg_conversion_rate,
        avg_expected_conversions_per_impression,
        avg_weekly_hours_online,
        avg_weekend_share_of_time,
        avg_ad_interaction_seconds,
        avg_engagement_score
    from grouped

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
        attribute_values.avg_weekly_hours_online,
        attribute_values.avg_weekend_share_of_time,
        attribute_values.avg_ad_interaction_seconds,
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
