-- One row per campaign x user to target: every user of a targeted segment
-- (fct_campaign_segment_plan.is_targeted) who satisfies the campaign's
-- constraints. Users are identified only by hashed_user_id =
-- sha256(salt || user_id), the salt coming from the environment variable
-- AUDIENCE_HASH_SALT through a session variable (never written anywhere);
-- there is no raw user_id column. is_holdout marks the users kept out of
-- the campaign to measure its lift: a seeded draw per campaign and user
-- (macro holdout_draw) below holdout_share.
--
-- A view, so that the build does not write campaigns x users rows (about
-- five per user): it is evaluated when queried or exported, from
-- per-user columns computed once in int_segment_members.
{{ config(materialized='view') }}

with

eligible_users as (

    select * from {{ ref('int_campaign_eligible_users') }}

),

plan as (

    select * from {{ ref('fct_campaign_segment_plan') }}

),

final as (

    select
        -- ids
        eligible_users.campaign_id,
        eligible_users.hashed_user_id,
        eligible_users.segment_id,

        -- booleans
        eligible_users.holdout_draw < {{ user_segmentation_number_var('holdout_share') }} as is_holdout

    from eligible_users
    inner join plan
        on
            eligible_users.campaign_id = plan.campaign_id
            and eligible_users.segment_id = plan.segment_id
    where plan.is_targeted

)

select * from final
