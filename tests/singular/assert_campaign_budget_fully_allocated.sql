-- Every campaign's allocated_budget sums exactly (to the cent) to its budget,
-- and no campaign is missing from the plan. A campaign that no segmented user
-- can receive (nobody satisfies its constraints) cannot be served: it must
-- have nothing allocated, and the warning test
-- assert_every_campaign_has_an_audience names it.
with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

plan as (

    select * from {{ ref('fct_campaign_segment_plan') }}

),

allocated as (

    select
        campaign_id,
        sum(allocated_budget) as allocated_budget,
        sum(eligible_users) as eligible_users
    from plan
    group by campaign_id

)

select
    campaigns.campaign_id,
    campaigns.budget,
    allocated.allocated_budget,
    allocated.eligible_users
from campaigns
left join allocated
    on campaigns.campaign_id = allocated.campaign_id
where
    allocated.allocated_budget is null
    or (allocated.eligible_users > 0 and allocated.allocated_budget != campaigns.budget)
    or (allocated.eligible_users = 0 and allocated.allocated_budget != 0)
