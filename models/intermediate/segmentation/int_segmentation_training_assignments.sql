-- The segment Python gave every training user (exact nearest centroid of the
-- published model), kept to check that the SQL scoring agrees for each one.

with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

unnested as (

    select unnest(training_assignments) as assignment
    from segmentation_model

),

final as (

    select
        assignment.user_id::bigint as user_id,
        assignment.segment_id::integer as segment_id
    from unnested

)

select * from final
order by user_id
