-- One row per campaign x segment: the fit (int_campaign_segment_scores) and
-- the share of the campaign's budget the segment gets.
--
-- Allocation rule, for the n targeted segments of a campaign (others get 0):
--   value_i  = fit_score_i * eligible_users_i   (expected response volume,
--              in "average users")
--   weight_i = value_i ^ allocation_alpha
--   m        = least(allocation_min_share, 1 / n)
--   share_i  = m + (1 - n * m) * weight_i / sum(weight)
-- so every targeted segment gets at least m of the budget (nothing goes all
-- into one segment while another is targeted) and the rest follows the value;
-- allocation_alpha > 1 concentrates on the best, 0 splits evenly. Under
-- diminishing returns response_i ~ budget_i ^ g, the split that maximises the
-- total is proportional to value_i ^ (1 / (1 - g)), i.e. alpha = 1 / (1 - g).
--
-- Cents: share_i * budget in cents is rounded down, and the cents left over
-- (fewer than n) go one each to the segments with the largest remainders
-- (ties: better fit_rank), so allocated_budget sums exactly to the budget.
with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

scores as (

    select * from {{ ref('int_campaign_segment_scores') }}

),

targeted as (

    select
        scores.campaign_id,
        scores.segment_id,
        scores.fit_rank,
        campaigns.budget_cents,
        scores.fit_score * scores.eligible_users as allocation_value
    from scores
    inner join campaigns
        on scores.campaign_id = campaigns.campaign_id
    where scores.is_targeted

),

weighted as (

    select
        *,
        {%- if var('allocation_alpha') | float == 0 %}
        1.0 as allocation_weight,
        {%- else %}
            pow(allocation_value, {{ var('allocation_alpha') | float }}) as allocation_weight,
        {%- endif %}
        count(*) over (partition by campaign_id) as targeted_segments
    from targeted

),

shares as (

    select
        *,
        least({{ var('allocation_min_share') | float }}, 1.0 / targeted_segments) as minimum_share,
        sum(allocation_weight) over (partition by campaign_id) as total_weight
    from weighted

),

exact as (

    select
        *,
        round(
            minimum_share
            + (1 - targeted_segments * minimum_share)
            * case
                when total_weight > 0 then allocation_weight / total_weight
                else 1.0 / targeted_segments
            end,
            12
        ) as exact_share
    from shares

),

floored as (

    select
        *,
        budget_cents * exact_share as exact_cents,
        cast(floor(budget_cents * exact_share) as bigint) as floor_cents
    from exact

),

remainders as (

    select
        *,
        budget_cents - sum(floor_cents) over (partition by campaign_id) as cents_left,
        row_number() over (
            partition by campaign_id
            order by exact_cents - floor_cents desc, fit_rank
        ) as remainder_rank
    from floored

),

allocated as (

    select
        campaign_id,
        segment_id,
        exact_share,
        floor_cents + case when remainder_rank <= cents_left then 1 else 0 end as allocated_cents
    from remainders

),

final as (

    select
        -- ids
        scores.campaign_segment_id,
        scores.campaign_id,
        scores.segment_id,

        -- strings
        scores.objective,
        scores.objective_metric,
        scores.recommended_device,
        scores.recommended_day_type,
        scores.creative_interests,

        -- fit
        scores.segment_size,
        scores.eligible_users,
        scores.interested_users,
        scores.objective_value,
        scores.population_objective_value,
        scores.interest_index,
        scores.objective_index,
        scores.constraint_index,
        scores.fit_score,
        scores.fit_rank,
        scores.expected_clicks_per_1000_impressions,
        scores.expected_conversions_per_1000_impressions,

        -- budget
        coalesce(allocated.exact_share, 0) as target_budget_share,
        cast(coalesce(allocated.allocated_cents, 0) / 100 as decimal(18, 2)) as allocated_budget,
        campaigns.currency_code,

        -- booleans
        scores.is_targeted

    from scores
    inner join campaigns
        on scores.campaign_id = campaigns.campaign_id
    left join allocated
        on
            scores.campaign_id = allocated.campaign_id
            and scores.segment_id = allocated.segment_id

)

select * from final
