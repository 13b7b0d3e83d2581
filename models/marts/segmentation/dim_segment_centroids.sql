-- One row per segment x model input dimension: the centroid in model units
-- (weighted standardised) and translated back to the original units through
-- the scaling parameters: original = mean + value / weight * stddev. For a
-- category level the original value is the share of the segment's typical
-- member at that level (its mean_value is the share of all users).

with

centroids as (

    select * from {{ ref('int_segment_centroids') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

centroid_values as (

    select
        centroids.segment_id,
        scaling_parameters.model_feature_id,
        scaling_parameters.feature_position,
        scaling_parameters.source_column,
        scaling_parameters.feature_kind,
        scaling_parameters.category_level,
        scaling_parameters.weight,
        scaling_parameters.mean_value,
        scaling_parameters.stddev_value,
        centroids.centroid[scaling_parameters.feature_position] as standardised_value
    from centroids
    cross join scaling_parameters

),

final as (

    select
        -- ids
        segment_id,
        model_feature_id,
        feature_position,

        -- the dimension
        source_column,
        feature_kind,
        category_level,
        weight,
        mean_value,
        stddev_value,

        -- the centroid
        standardised_value,
        case
            when weight != 0 then standardised_value / weight
        end as difference_in_stddevs,
        case
            when weight != 0 then mean_value + standardised_value / weight * stddev_value
        end as original_value

    from centroid_values

)

select * from final
order by segment_id, feature_position
