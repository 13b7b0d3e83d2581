{{ config(severity='warn') }}
-- Warns about rows of seeds/segment_name_overrides.csv whose generated name
-- matches no current segment (the model changed, or a typo): they do nothing.
with

overrides as (

    select * from {{ ref('segment_name_overrides') }}

),

segments as (

    select * from {{ ref('dim_segments') }}

)

select overrides.*
from overrides
left join segments
    on overrides.generated_segment_name = segments.generated_segment_name
where segments.segment_id is null
