-- One row per campaign x segment: how well the segment fits the campaign.
--
-- Every index compares the segment's eligible users (those who satisfy the
-- campaign's constraints) with the whole population, so 1.0 = average:
--   interest_index   = share of eligible users who list a campaign interest
--                      / that share in the population
--   objective_index  = mean of the objective's metric over eligible users
--                      / its population mean; the metric is weekly hours
--                      online for awareness (chances to be reached), CTR for
--                      traffic, CTR x conversion rate for conversion
--   constraint_index = share of the segment that satisfies the constraints
--                      / that share in the population
--   fit_score        = interest_index ^ fit_interest_weight
--                      * objective_index ^ fit_objective_weight
--                      * constraint_index ^ fit_constraint_weight
--                      (0 when no user of the segment satisfies the constraints)
-- Means are exact (macro exact_avg: DECIMAL sums) and shares are counts
-- divided, so that no figure depends on the order in which parallel threads
-- add up the users.
-- Segments are ranked by fit_score (then more eligible users, then segment_id).
-- Targeted: the best segment with an eligible user, plus the next ones up to
-- plan_max_segments_per_campaign that have a positive score and at least
-- plan_min_audience_users eligible users.

{#- the means and device shares compared between a segment's eligible users and the population -#}
{%- set averaged_metrics = [
    'weekly_hours_online', 'weekend_share_of_time', 'click_through_rate', 'expected_conversions_per_impression'
] %}
{%- set devices = campaign_devices() %}

with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

segments as (

    select * from {{ ref('int_segment_population') }}

),

members as (

    select * from {{ ref('int_segment_members') }}

),

segment_interests as (

    select * from {{ ref('fct_segment_interests') }}

),

-- per campaign, the bit masks of its target interests and constraints
campaign_keys as (

    select * from {{ ref('int_campaign_keys') }}

),

-- The one pass over the users: per combination of segment and of everything
-- a campaign selects or targets users by (device, age and income bits,
-- interest mask), how many users and the exact partial sums of the metrics
-- (macro exact_partial_sums). Every campaign's eligible and interested users
-- are whole groups, so the campaigns are scored on these groups (672,000
-- of them for 10M generated users) instead of on the campaigns x users view
-- int_campaign_eligible_users, and exact sums roll up to the same means, bit
-- for bit (10M users: 3.9 -> 1.5 CPU-s for this model replayed alone).
member_groups as materialized (

    select
        segment_id,
        device_bits,
        age_band_bit,
        income_band_bit,
        interest_mask,
        {%- for metric in averaged_metrics %}
            {{ exact_partial_sums(metric, metric) }},
        {%- endfor %}
        count(*) as users
    from members
    group by all

),

population_metrics as (

    select
        {%- for metric in averaged_metrics %}
            {{ exact_avg_of_partials(metric) }} as population_{{ metric }},
        {%- endfor %}
        {%- for device in devices %}
            coalesce(sum(users) filter (where {{ has_device_bit('device_bits', device) }}), 0)
            / sum(users) as population_{{ device }}_share,
        {%- endfor %}
        coalesce(sum(users), 0)::bigint as population_size
    from member_groups

),

population_devices as (

    unpivot (
        select
            population_mobile_share as mobile,
            population_desktop_share as desktop,
            population_tablet_share as tablet
        from population_metrics
    )
    on mobile, desktop, tablet
    into name device value population_share

),

population_interest as (

    select
        campaign_keys.campaign_id,
        coalesce(
            sum(member_groups.users) filter (
                where {{ has_target_interest('campaign_keys', 'member_groups') }}
            ),
            0
        ) / sum(member_groups.users) as population_interest_share
    from campaign_keys
    cross join member_groups
    group by campaign_keys.campaign_id

),

-- materialized: a few rows per campaign, read twice (grid and
-- population_eligible)
segment_eligible as materialized (

    select
        campaign_keys.campaign_id,
        member_groups.segment_id,
        sum(member_groups.users)::bigint as eligible_users,
        {%- for metric in averaged_metrics %}
            {{ exact_avg_of_partials(metric) }} as {{ metric }},
        {%- endfor %}
        {%- for device in devices %}
            coalesce(
                sum(member_groups.users) filter (where {{ has_device_bit('member_groups.device_bits', device) }}),
                0
            ) / sum(member_groups.users) as {{ device }}_share,
        {%- endfor %}
        coalesce(
            sum(member_groups.users) filter (
                where {{ has_target_interest('campaign_keys', 'member_groups') }}
            ),
            0
        )::bigint as interested_users
    from campaign_keys
    inner join member_groups
        on {{ meets_campaign_constraints('campaign_keys', 'member_groups') }}
    group by campaign_keys.campaign_id, member_groups.segment_id

),

-- a campaign's eligible users in the whole population: the sum over its
-- segments (every eligible user is in one segment)
population_eligible as (

    select
        campaign_id,
        sum(eligible_users)::bigint as population_eligible_users
    from segment_eligible
    group by campaign_id

),

grid as (

    select
        campaigns.campaign_id,
        campaigns.objective,
        campaigns.objective_metric,
        campaigns.target_interest_ids,
        campaigns.target_devices,
        segments.segment_id,
        segments.segment_size,
        coalesce(segment_eligible.eligible_users, 0) as eligible_users,
        coalesce(segment_eligible.interested_users, 0) as interested_users,
        segment_eligible.weekly_hours_online,
        segment_eligible.weekend_share_of_time,
        segment_eligible.click_through_rate,
        segment_eligible.expected_conversions_per_impression,
        segment_eligible.mobile_share,
        segment_eligible.desktop_share,
        segment_eligible.tablet_share,
        population_metrics.population_size,
        population_metrics.population_weekend_share_of_time,
        population_interest.population_interest_share,
        coalesce(population_eligible.population_eligible_users, 0) as population_eligible_users,
        case campaigns.objective
            when 'awareness' then segment_eligible.weekly_hours_online
            when 'traffic' then segment_eligible.click_through_rate
            when 'conversion' then segment_eligible.expected_conversions_per_impression
        end as objective_value,
        case campaigns.objective
            when 'awareness' then population_metrics.population_weekly_hours_online
            when 'traffic' then population_metrics.population_click_through_rate
            when 'conversion' then population_metrics.population_expected_conversions_per_impression
        end as population_objective_value
    from campaigns
    cross join segments
    cross join population_metrics
    left join population_interest
        on campaigns.campaign_id = population_interest.campaign_id
    left join population_eligible
        on campaigns.campaign_id = population_eligible.campaign_id
    left join segment_eligible
        on
            campaigns.campaign_id = segment_eligible.campaign_id
            and segments.segment_id = segment_eligible.segment_id

),

indexed as (

    select
        *,
        case
            when eligible_users = 0 then 0
            when population_interest_share > 0
                then (interested_users / eligible_users) / population_interest_share
            else 1
        end as interest_index,
        case
            when eligible_users = 0 then 0
            when population_objective_value > 0 then coalesce(objective_value, 0) / population_objective_value
            else 1
        end as objective_index,
        case
            when eligible_users = 0 or population_eligible_users = 0 then 0
            else (eligible_users / segment_size) / (population_eligible_users / population_size)
        end as constraint_index
    from grid

),

scored as (

    select
        *,
        case
            when eligible_users = 0 then 0
            else round(
                pow(interest_index, {{ var('fit_interest_weight') | float }})
                * pow(objective_index, {{ var('fit_objective_weight') | float }})
                * pow(constraint_index, {{ var('fit_constraint_weight') | float }}),
                9
            )
        end as fit_score
    from indexed

),

ranked as (

    select
        *,
        row_number() over (
            partition by campaign_id
            order by fit_score desc, eligible_users desc, segment_id asc
        ) as fit_rank
    from scored

),

device_options as (

    unpivot (
        select
            campaign_id,
            segment_id,
            target_devices,
            mobile_share as mobile,
            desktop_share as desktop,
            tablet_share as tablet
        from ranked
        where eligible_users > 0
    )
    on mobile, desktop, tablet
    into name device value device_share

),

recommended_devices as (

    select
        device_options.campaign_id,
        device_options.segment_id,
        device_options.device as recommended_device
    from device_options
    inner join population_devices
        on device_options.device = population_devices.device
    where
        device_options.device_share > 0
        and (
            len(device_options.target_devices) = 0
            or list_contains(device_options.target_devices, device_options.device)
        )
    qualify row_number() over (
        partition by device_options.campaign_id, device_options.segment_id
        order by
            device_options.device_share / nullif(population_devices.population_share, 0) desc nulls last,
            device_options.device_share desc,
            list_position({{ devices }}, device_options.device) asc
    ) = 1

),

creative as (

    select
        ranked.campaign_id,
        ranked.segment_id,
        list(segment_interests.interest_name order by segment_interests.lift desc, segment_interests.interest_id asc)
            as interests_by_lift
    from ranked
    inner join segment_interests
        on
            ranked.segment_id = segment_interests.segment_id
            and list_contains(ranked.target_interest_ids, segment_interests.interest_id)
    group by ranked.campaign_id, ranked.segment_id

),

final as (

    select
        -- ids
        ranked.campaign_id || ':' || ranked.segment_id as campaign_segment_id,
        ranked.campaign_id,
        ranked.segment_id,

        -- strings
        ranked.objective,
        ranked.objective_metric,
        recommended_devices.recommended_device,
        case
            when ranked.eligible_users = 0 then null
            when ranked.weekend_share_of_time >= ranked.population_weekend_share_of_time then 'weekend'
            else 'weekday'
        end as recommended_day_type,
        coalesce(creative.interests_by_lift[1:{{ var('creative_interest_count') | int }}], [])
            as creative_interests,

        -- numerics
        ranked.segment_size,
        ranked.eligible_users,
        ranked.interested_users,
        round(ranked.objective_value, 9) as objective_value,
        round(ranked.population_objective_value, 9) as population_objective_value,
        round(ranked.interest_index, 9) as interest_index,
        round(ranked.objective_index, 9) as objective_index,
        round(ranked.constraint_index, 9) as constraint_index,
        ranked.fit_score,
        ranked.fit_rank,
        round(1000 * ranked.click_through_rate, 6) as expected_clicks_per_1000_impressions,
        round(1000 * ranked.expected_conversions_per_impression, 6) as expected_conversions_per_1000_impressions,

        -- booleans
        ranked.eligible_users > 0
        and (
            ranked.fit_rank = 1
            or (
                ranked.fit_rank <= {{ var('plan_max_segments_per_campaign') | int }}
                and ranked.fit_score > 0
                and ranked.eligible_users >= {{ var('plan_min_audience_users') | int }}
            )
        ) as is_targeted

    from ranked
    left join recommended_devices
        on
            ranked.campaign_id = recommended_devices.campaign_id
            and ranked.segment_id = recommended_devices.segment_id
    left join creative
        on
            ranked.campaign_id = creative.campaign_id
            and ranked.segment_id = creative.segment_id

)

select * from final
