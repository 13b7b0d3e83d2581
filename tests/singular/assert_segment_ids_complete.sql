-- Segment ids form the complete set 0..k-1: in the centroids and the
-- per-segment tables always, and among the scored users on refit builds
-- (every segment of a freshly fitted model holds training users). Also one
-- centroid row per segment x model feature. Returns a row per broken fact.
with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

centroids as (

    select * from {{ ref('int_segment_centroids') }}

),

segment_centroids as (

    select * from {{ ref('dim_segment_centroids') }}

),

segment_stability as (

    select * from {{ ref('fct_segment_stability') }}

),

user_segments as (

    select * from {{ ref('fct_user_segments') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

segment_sets as (

    select
        'int_segment_centroids' as model_name,
        count(distinct segment_id) as distinct_ids,
        min(segment_id) as min_id,
        max(segment_id) as max_id
    from centroids
    union all
    select
        'fct_segment_stability' as model_name,
        count(distinct segment_id) as distinct_ids,
        min(segment_id) as min_id,
        max(segment_id) as max_id
    from segment_stability
    {% if segmentation_refit() %}
        union all
        select
            'fct_user_segments' as model_name,
            count(distinct segment_id) as distinct_ids,
            min(segment_id) as min_id,
            max(segment_id) as max_id
        from user_segments
    {% endif %}

),

broken_sets as (

    select
        segment_sets.model_name,
        'segment ids are not 0..' || (segmentation_model.k - 1) as problem
    from segment_sets
    cross join segmentation_model
    where
        segment_sets.distinct_ids != segmentation_model.k
        or segment_sets.min_id != 0
        or segment_sets.max_id != segmentation_model.k - 1

),

centroid_rows as (

    select
        'dim_segment_centroids' as model_name,
        'not one row per segment x model feature' as problem
    from segmentation_model
    where
        (select count(*) from segment_centroids)
        != segmentation_model.k * (select count(*) from scaling_parameters)

),

final as (

    select * from broken_sets
    union all
    select * from centroid_rows

)

select * from final
