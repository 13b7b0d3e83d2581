{{ config(severity='warn') }}
-- Warns about campaigns that no segmented user can receive (nobody satisfies
-- their device, age and income constraints): their budget stays unallocated.
with

plan as (

    select * from {{ ref('fct_campaign_segment_plan') }}

)

select
    campaign_id,
    sum(eligible_users) as eligible_users
from plan
group by campaign_id
having sum(eligible_users) = 0
