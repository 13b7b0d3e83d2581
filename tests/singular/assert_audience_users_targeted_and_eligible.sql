-- Re-derives every campaign's audience from fct_user_segments, fct_user_features
-- and dim_campaigns, independently of int_campaign_eligible_users, and fails for
--   * an audience row whose user is unknown, not in a targeted segment of the
--     campaign, or breaks one of its device, age or income constraints;
--   * a user in a targeted segment who satisfies the constraints but is missing.
with

audiences as (

    select * from {{ ref('fct_campaign_audiences') }}

),

plan as (

    select * from {{ ref('fct_campaign_segment_plan') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

segments as (

    select * from {{ ref('fct_user_segments') }}

),

features as (

    select * from {{ ref('fct_user_features') }}

),

candidates as (

    select
        campaigns.campaign_id,
        segments.segment_id,
        {{ audience_hashed_id('segments.user_id') }} as hashed_user_id,
        coalesce(plan.is_targeted, false) as is_in_targeted_segment,
        (
            len(campaigns.target_devices) = 0
            or (list_contains(campaigns.target_devices, 'mobile') and features.uses_mobile)
            or (list_contains(campaigns.target_devices, 'desktop') and features.uses_desktop)
            or (list_contains(campaigns.target_devices, 'tablet') and features.uses_tablet)
        ) as meets_device,
        len(campaigns.target_age_bands) = 0
        or list_contains(campaigns.target_age_bands, features.age_band) as meets_age,
        len(campaigns.target_income_bands) = 0
        or list_contains(campaigns.target_income_bands, features.income_band) as meets_income
    from campaigns
    cross join segments
    inner join features
        on segments.user_id = features.user_id
    left join plan
        on
            campaigns.campaign_id = plan.campaign_id
            and segments.segment_id = plan.segment_id

),

audience_checks as (

    select
        audiences.campaign_id,
        audiences.hashed_user_id,
        case
            when candidates.hashed_user_id is null then 'unknown user'
            when not candidates.is_in_targeted_segment then 'segment not targeted'
            when not candidates.meets_device then 'device constraint broken'
            when not candidates.meets_age then 'age constraint broken'
            when not candidates.meets_income then 'income constraint broken'
            when audiences.segment_id != candidates.segment_id then 'wrong segment_id'
        end as problem
    from audiences
    left join candidates
        on
            audiences.campaign_id = candidates.campaign_id
            and audiences.hashed_user_id = candidates.hashed_user_id

),

missing as (

    select
        candidates.campaign_id,
        candidates.hashed_user_id,
        'eligible user of a targeted segment missing' as problem
    from candidates
    left join audiences
        on
            candidates.campaign_id = audiences.campaign_id
            and candidates.hashed_user_id = audiences.hashed_user_id
    where
        candidates.is_in_targeted_segment
        and candidates.meets_device
        and candidates.meets_age
        and candidates.meets_income
        and audiences.hashed_user_id is null

)

select * from audience_checks
where problem is not null
union all
select * from missing
