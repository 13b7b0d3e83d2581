-- Apply: every user's model input vector, built from the parameters in
-- int_feature_scaling_parameters:
--   features[feature_position] = weight * (value - mean_value) / stddev_value
-- A missing value (null) and a constant dimension (stddev_value 0) give 0,
-- the fitted mean. The transform is the macro scaled_features_ctes, which
-- int_segmentation_training_sample applies to its sampled users too.

with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

{{ scaled_features_ctes('user_features', 'scaling_parameters') }}

final as (

    select
        -- ids
        user_id,

        -- model input, in feature_position order
        features

    from scaled_features

)

select * from final
