-- Users and mean engagement per value of every categorical attribute, plus
-- one row for all users, in one pass over the users (grouping sets; exact
-- means, see macros/exact_aggregates.sql). Shared by
-- fct_attribute_distributions and fct_engagement_by_attribute.

{%- set attributes = categorical_attributes() %}

with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

grouped as (

    select
        {%- for attribute in attributes %}
            {{ attribute }},
            grouping({{ attribute }}) as {{ attribute }}__is_rolled_up,
        {%- endfor %}
        count(*) as users,
        {{ exact_avg('click_through_rate') }} as avg_click_through_rate,
        {{ exact_avg('conversion_rate') }} as avg_conversion_rate,
        {{ exact_avg('expected_conversions_per_impression') }} as avg_expected_conversions_per_impression,
        {{ exact_avg('weekday_hours_online') }} as avg_weekday_hours_online,
        {{ exact_avg('weekend_hours_online') }} as avg_weekend_hours_online,
        {{ exact_avg('weekly_hours_online') }} as avg_weekly_hours_online,
        {{ exact_avg('weekend_share_of_time') }} as avg_weekend_share_of_time,
        {{ exact_avg('ad_interaction_seconds') }} as avg_ad_interaction_seconds,
        {{ exact_avg('likes_and_reactions') }} as avg_likes_and_reactions,
        {{ exact_avg('interest_count') }} as avg_interest_count,
        {{ exact_avg('engagement_score') }} as avg_engagement_score
    from user_features
    group by grouping sets ( -- noqa: PRS
        {%- for attribute in attributes %}
            ({{ attribute }}),
        {%- endfor %}
        ()
    )

),

final as (

    select
        -- ids
        case
            {%- for attribute in attributes %}
                when {{ attribute }}__is_rolled_up = 0 then '{{ attribute }}'
            {%- endfor %}
            else 'all_users'
        end as attribute,

        -- strings
        coalesce(
            {%- for attribute in attributes %}
                {{ attribute }},
            {%- endfor %}
            'All users'
        ) as value,

        -- numerics
        users,
        avg_click_through_rate,
        avg_conversion_rate,
        avg_expected_conversions_per_impression,
        avg_weekday_hours_online,
        avg_weekend_hours_online,
        avg_weekly_hours_online,
        avg_weekend_share_of_time,
        avg_ad_interaction_seconds,
        avg_likes_and_reactions,
        avg_interest_count,
        avg_engagement_score

    from grouped

)

select * from final
