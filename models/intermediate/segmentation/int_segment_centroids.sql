-- One row per segment of the model: its centroid in model units (the
-- weighted standardised feature space) as a DOUBLE list in feature_position
-- order, ready for the SQL scoring.

with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

unnested as (

    select unnest(centroids) as centroid_row
    from segmentation_model

),

final as (

    select
        centroid_row.segment_id::integer as segment_id,
        centroid_row.training_users::bigint as training_users,
        centroid_row.centroid::double[] as centroid
    from unnested

)

select * from final
order by segment_id
