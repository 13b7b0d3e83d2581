-- STUB: replaced when issue 3 lands
-- A stand-in for the features mart of issue 3 (same name and the contract's
-- columns) so that segment profiles and campaigns can be built and tested
-- before the real model is on main. Delete this file when issue 3 is merged.
with

users as (

    select * from {{ ref('stg_user_profiles') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

age_bands as (

    select
        value as age_band,
        midpoint as age_midpoint_years
    from category_values
    where attribute = 'age_band'

),

income_bands as (

    select
        value as income_band,
        midpoint as income_midpoint
    from category_values
    where attribute = 'income_band'

),

final as (

    select
        -- ids
        users.user_id,

        -- demographics
        users.age_band,
        age_bands.age_midpoint_years,
        users.gender,
        users.location,
        users.language,
        users.education_level,
        users.income_band,
        income_bands.income_midpoint,
        users.device_usage,

        -- behaviour
        users.likes_and_reactions,
        users.followed_accounts,
        users.likes_and_reactions / greatest(users.followed_accounts, 1) as likes_per_followed_account,
        users.weekday_hours_online,
        users.weekend_hours_online,
        5 * users.weekday_hours_online + 2 * users.weekend_hours_online as weekly_hours_online,
        case
            when 5 * users.weekday_hours_online + 2 * users.weekend_hours_online > 0
                then
                    2 * users.weekend_hours_online
                    / (5 * users.weekday_hours_online + 2 * users.weekend_hours_online)
        end as weekend_share_of_time,

        -- ad interaction
        users.click_through_rate,
        users.conversion_rate,
        users.click_through_rate * users.conversion_rate as expected_conversions_per_impression,
        users.ad_interaction_seconds,

        -- interests
        users.interest_count,

        -- booleans
        users.device_usage in ('Mobile Only', 'Mobile + Desktop') as uses_mobile,
        users.device_usage in ('Desktop Only', 'Mobile + Desktop') as uses_desktop,
        users.device_usage = 'Tablet' as uses_tablet

    from users
    left join age_bands
        on users.age_band = age_bands.age_band
    left join income_bands
        on users.income_band = income_bands.income_band

)

select * from final
