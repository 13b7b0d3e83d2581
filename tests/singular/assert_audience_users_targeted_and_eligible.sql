-- Re-derives the campaign audiences from fct_user_segments, fct_user_features,
-- dim_campaigns and the plan, independently of int_campaign_eligible_users,
-- and fails for
--   * an audience row whose user is unknown, not in a targeted segment of the
--     campaign, breaks one of its device, age or income constraints or has the
--     wrong segment_id;
--   * a user in a targeted segment who satisfies the constraints but is missing;
--   * a campaign x segment whose audience size is not the plan's eligible_users
--     (targeted) or 0 (not targeted, or not in the plan).
-- The row-by-row checks cover the users whose hashed id starts with '0' (a
-- fixed 1/16 of the users, all campaigns), so that the test stays cheap at
-- tens of millions of audience rows; the size check covers every row.
--
-- The sampled audience rows and the re-derived candidates meet in one full
-- join on integer ids; the 64-character hashed ids are looked up again only
-- for the rows that have a problem (none, on a good build).
with

-- not materialized: read twice (a sample, and sizes); held whole it would be
-- every audience row
audiences as not materialized (

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

-- the user -> hashed id mapping of the audience files, for the sampled users
hashed_ids as (

    select
        user_id,
        hashed_user_id
    from {{ ref('int_segment_members') }}
    where hashed_user_id < '1'

),

-- the sampled audience rows with their user; an unknown hashed id keeps its
-- text (null for every known one, so the join below carries no long strings)
sampled_audiences as (

    select
        audiences.campaign_id,
        audiences.segment_id,
        hashed_ids.user_id,
        case when hashed_ids.user_id is null then audiences.hashed_user_id end as unknown_hashed_user_id
    from audiences
    left join hashed_ids
        on audiences.hashed_user_id = hashed_ids.hashed_user_id
    where audiences.hashed_user_id < '1'

),

-- every campaign x sampled user, with what the campaign asks of the user
candidates as (

    select
        campaigns.campaign_id,
        segments.segment_id,
        hashed_ids.user_id,
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
    cross join hashed_ids
    inner join segments
        on hashed_ids.user_id = segments.user_id
    inner join features
        on hashed_ids.user_id = features.user_id
    left join plan
        on
            campaigns.campaign_id = plan.campaign_id
            and segments.segment_id = plan.segment_id

),

-- an audience row without a candidate is an unknown user (or campaign); a
-- candidate without an audience row is missing if it should be there
row_checks as (

    select
        coalesce(sampled_audiences.campaign_id, candidates.campaign_id) as campaign_id,
        coalesce(sampled_audiences.segment_id, candidates.segment_id) as segment_id,
        coalesce(sampled_audiences.user_id, candidates.user_id) as user_id,
        sampled_audiences.unknown_hashed_user_id,
        case
            when sampled_audiences.campaign_id is null
                then
                    case
                        when
                            candidates.is_in_targeted_segment
                            and candidates.meets_device
                            and candidates.meets_age
                            and candidates.meets_income
                            then 'eligible user of a targeted segment missing'
                    end
            when candidates.user_id is null then 'unknown user'
            when not candidates.is_in_targeted_segment then 'segment not targeted'
            when not candidates.meets_device then 'device constraint broken'
            when not candidates.meets_age then 'age constraint broken'
            when not candidates.meets_income then 'income constraint broken'
            when sampled_audiences.segment_id != candidates.segment_id then 'wrong segment_id'
        end as problem
    from sampled_audiences
    full outer join candidates
        on
            sampled_audiences.campaign_id = candidates.campaign_id
            and sampled_audiences.user_id = candidates.user_id

),

row_problems as (

    select
        row_checks.campaign_id,
        row_checks.segment_id,
        coalesce(row_checks.unknown_hashed_user_id, hashed_ids.hashed_user_id) as hashed_user_id,
        row_checks.problem
    from row_checks
    left join hashed_ids
        on row_checks.user_id = hashed_ids.user_id
    where row_checks.problem is not null

),

audience_sizes as (

    select
        campaign_id,
        segment_id,
        count(*) as audience_users
    from audiences
    group by campaign_id, segment_id

),

-- (a full join: audience rows of a campaign x segment the plan does not
-- have are counted too, and the plan says 0 for them)
size_checks as (

    select
        coalesce(plan.campaign_id, audience_sizes.campaign_id) as campaign_id,
        coalesce(plan.segment_id, audience_sizes.segment_id) as segment_id,
        null as hashed_user_id,
        'audience has ' || coalesce(audience_sizes.audience_users, 0) || ' users, the plan says '
        || case when plan.is_targeted then plan.eligible_users else 0 end as problem
    from plan
    full outer join audience_sizes
        on
            plan.campaign_id = audience_sizes.campaign_id
            and plan.segment_id = audience_sizes.segment_id
    where
        coalesce(audience_sizes.audience_users, 0)
        != case when plan.is_targeted then plan.eligible_users else 0 end

)

select * from row_problems
union all
select * from size_checks
