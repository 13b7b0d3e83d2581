-- One row per segment: how often the bootstrap resamples found the segment
-- again (Jaccard of its members with the most similar resampled segment),
-- in plain words, and the segment's size among the scored users.

with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

user_segments as (

    select * from {{ ref('fct_user_segments') }}

),

centroids as (

    select * from {{ ref('int_segment_centroids') }}

),

unnested as (

    select
        segmentation_model_id,
        -- one column per field of the stability struct
        unnest(segment_stability, recursive := true)  -- noqa: AL03
    from segmentation_model

),

segment_sizes as (

    select
        segment_id,
        count(*) as user_count
    from user_segments
    group by segment_id

),

final as (

    select
        -- ids
        unnested.segment_id::integer as segment_id,
        unnested.segmentation_model_id,

        -- stability
        unnested.jaccard_mean::double as jaccard_mean,
        unnested.jaccard_min::double as jaccard_min,
        unnested.stable_resamples::integer as stable_resamples,
        unnested.dissolved_resamples::integer as dissolved_resamples,
        unnested.resamples::integer as resamples,
        unnested.stability_label::varchar as stability_label,

        -- size
        centroids.training_users,
        coalesce(segment_sizes.user_count, 0) as user_count,
        coalesce(segment_sizes.user_count, 0) / sum(coalesce(segment_sizes.user_count, 0)) over () as share_of_users

    from unnested
    left join segment_sizes
        on unnested.segment_id = segment_sizes.segment_id
    left join centroids
        on unnested.segment_id = centroids.segment_id

)

select * from final
order by segment_id
