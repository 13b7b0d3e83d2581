-- One row per campaign x segmented user who satisfies the campaign's
-- constraints (devices: uses at least one listed device; age and income:
-- in a listed band; an empty list means no constraint), with whether the user
-- lists one of the campaign's interests and the metrics the plan scores on.
with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

members as (

    select * from {{ ref('int_segment_members') }}

),

user_interests as (

    select * from {{ ref('stg_user_interests') }}

),

interest_lists as (

    select
        user_id,
        list(interest_id order by interest_id) as interest_ids
    from user_interests
    where is_known_interest
    group by user_id

),

final as (

    select
        -- ids
        campaigns.campaign_id,
        members.user_id,
        members.segment_id,

        -- numerics
        members.weekly_hours_online,
        members.weekend_share_of_time,
        members.click_through_rate,
        members.conversion_rate,
        members.expected_conversions_per_impression,

        -- booleans
        members.uses_mobile,
        members.uses_desktop,
        members.uses_tablet,
        coalesce(len(list_intersect(interest_lists.interest_ids, campaigns.target_interest_ids)), 0) > 0
            as has_target_interest

    from campaigns
    cross join members
    left join interest_lists
        on members.user_id = interest_lists.user_id
    where
        (
            not campaigns.has_device_constraint
            or (list_contains(campaigns.target_devices, 'mobile') and members.uses_mobile)
            or (list_contains(campaigns.target_devices, 'desktop') and members.uses_desktop)
            or (list_contains(campaigns.target_devices, 'tablet') and members.uses_tablet)
        )
        and (not campaigns.has_age_constraint or list_contains(campaigns.target_age_bands, members.age_band))
        and (not campaigns.has_income_constraint or list_contains(campaigns.target_income_bands, members.income_band))

)

select * from final
