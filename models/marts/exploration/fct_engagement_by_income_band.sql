-- Engagement cross-tab by income band: one row per income band, in natural order.

with

engagement_by_attribute as (

    select * from {{ ref('fct_engagement_by_attribute') }}

),

final as (

    select
        -- ids
        value as income_band,

        -- numerics
        users,
        share_of_users,
        avg_click_through_rate,
        click_through_rate_index,
        avg_conversion_rate,
        conversion_rate_index,
        avg_expected_conversions_per_impression,
        avg_weekly_hours_online,
        weekly_hours_online_index,
        avg_weekend_share_of_time,
        avg_ad_interaction_seconds,
        avg_engagement_score,
        value_order

    from engagement_by_attribute
    where attribute = 'income_band'

)

select * from final
order by value_order
