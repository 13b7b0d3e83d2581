-- Every campaign's allocated_budget sums exactly (to the cent) to its budget,
-- and no campaign is missing from the plan.
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
        sum(allocated_budget) as allocated_budget
    from plan
    group by campaign_id

)

select
    campaigns.campaign_id,
    campaigns.budget,
    allocated.allocated_budget
from campaigns
left join allocated
    on campaigns.campaign_id = allocated.campaign_id
where allocated.allocated_budget is null or allocated.allocated_budget != campaigns.budget
