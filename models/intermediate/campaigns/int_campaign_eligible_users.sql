-- One row per campaign x segmented user who satisfies the campaign's
-- constraints (devices: uses at least one listed device; age and income:
-- in a listed band; an empty list means no constraint), with whether the user
-- lists one of the campaign's interests and the metrics the plan scores on.
--
-- A view: it is campaigns x users (about 5 rows per user with the bundled
-- campaigns), read by int_campaign_segment_scores (aggregated) and by the
-- fct_campaign_audiences view (exported); written out, it would be the
-- biggest table of the build. Every per-user input (interest mask, device and
-- band bits, hashed id, holdout key) is precomputed in int_segment_members and
-- every campaign mask in int_campaign_keys, so each row costs a few ANDs of
-- two integers.
{{ config(materialized='view') }}

with

campaigns as (

    select * from {{ ref('int_campaign_keys') }}

),

members as (

    select * from {{ ref('int_segment_members') }}

),

final as (

    select
        -- ids
        campaigns.campaign_id,
        members.user_id,
        members.segment_id,
        members.hashed_user_id,

        -- numerics
        members.weekly_hours_online,
        members.weekend_share_of_time,
        members.click_through_rate,
        members.conversion_rate,
        members.expected_conversions_per_impression,
        {{ holdout_draw('members.holdout_key', 'campaigns.holdout_campaign_key') }} as holdout_draw,

        -- booleans
        members.uses_mobile,
        members.uses_desktop,
        members.uses_tablet,
        {{ has_target_interest('campaigns', 'members') }} as has_target_interest

    from campaigns
    inner join members
        on {{ meets_campaign_constraints('campaigns', 'members') }}

)

select * from final
