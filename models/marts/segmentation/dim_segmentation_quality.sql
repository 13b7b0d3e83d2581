-- One row: how strong and how stable the segmentation is, in plain words.
-- Structure from the mean silhouette (> 0.5 reasonable, 0.25 to 0.5 weak,
-- < 0.25 no substantial structure); stability from the bootstrap (mean ARI
-- overall, Jaccard per segment: >= 0.75 stable, <= 0.5 dissolved).

with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

segment_stability as (

    select * from {{ ref('fct_segment_stability') }}

),

stability_counts as (

    select
        count_if(stability_label = 'stable') as stable_segment_count,
        count_if(stability_label = 'doubtful') as doubtful_segment_count,
        count_if(stability_label = 'dissolved') as dissolved_segment_count,
        min(share_of_users) as smallest_segment_share,
        max(share_of_users) as largest_segment_share
    from segment_stability

),

final as (

    select
        -- ids
        segmentation_model.segmentation_model_id,

        -- structure
        segmentation_model.k,
        segmentation_model.silhouette,
        segmentation_model.silhouette_band,
        segmentation_model.structure_statement,

        -- stability
        segmentation_model.stability_ari_mean,
        segmentation_model.bootstrap_samples,
        stability_counts.stable_segment_count,
        stability_counts.doubtful_segment_count,
        stability_counts.dissolved_segment_count,
        segmentation_model.stability_statement,

        -- sizes among the scored users
        stability_counts.smallest_segment_share,
        stability_counts.largest_segment_share,

        -- all of it
        segmentation_model.quality_statement

    from segmentation_model
    cross join stability_counts

)

select * from final
