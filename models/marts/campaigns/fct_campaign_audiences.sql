-- One row per campaign x user to target: every user of a targeted segment
-- (fct_campaign_segment_plan.is_targeted) who satisfies the campaign's
-- constraints. Users are identified only by hashed_user_id =
-- sha256(salt || user_id), the salt coming from the environment variable
-- AUDIENCE_HASH_SALT through a session variable (never written anywhere);
-- there is no raw user_id column. is_holdout marks the users kept out of
-- the campaign to measure its lift: a seeded draw per campaign and user
-- (macro holdout_draw) below holdout_share.
with

eligible_users as (

    select * from {{ ref('int_campaign_eligible_users') }}

),

plan as (

    select * from {{ ref('fct_campaign_segment_plan') }}

),

targeted_users as (

    select
        eligible_users.campaign_id,
        eligible_users.segment_id,
        {{ audience_hashed_id('eligible_users.user_id') }} as hashed_user_id,
        {{ holdout_draw('eligible_users.campaign_id', 'eligible_users.user_id') }} as holdout_draw
    from eligible_users
    inner join plan
        on
            eligible_users.campaign_id = plan.campaign_id
            and eligible_users.segment_id = plan.segment_id
    where plan.is_targeted

),

final as (

    select
        -- ids
        campaign_id,
        hashed_user_id,
        segment_id,

        -- booleans
        holdout_draw < {{ var('holdout_share') | float }} as is_holdout

    from targeted_users

)

select * from final
