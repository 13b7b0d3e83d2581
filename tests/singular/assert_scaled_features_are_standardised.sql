{{ config(enabled=segmentation_refit()) }}
-- (Only on refit builds: with refit: false the parameters come from a saved
-- model fitted on other users, so the scaled users are not standardised.)
-- On the users the parameters were fitted on, every dimension of
-- int_user_features_scaled has mean 0, a numeric dimension (with spread) has
-- population standard deviation equal to its weight, and a category level
-- takes only the values weight * (0 - share) and weight * (1 - share). Every
-- vector has one element per parameter row. One pass over the users; the
-- tolerances allow for FLOAT storage. Returns one row per dimension that is off.
{%- set dimensions = model_feature_dimensions() %}

with

scaled as (

    select * from {{ ref('int_user_features_scaled') }}

),

parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

-- one row: mean, sd and range of every element, and the vector lengths
element_moments as (

    select
        {%- for dimension in dimensions %}
            avg(features[{{ dimension.feature_position }}]) as mean_{{ dimension.feature_position }},
            stddev_pop(features[{{ dimension.feature_position }}]) as stddev_{{ dimension.feature_position }},
            min(features[{{ dimension.feature_position }}]) as min_{{ dimension.feature_position }},
            max(features[{{ dimension.feature_position }}]) as max_{{ dimension.feature_position }},
        {%- endfor %}
        min(len(features)) as min_vector_length,
        max(len(features)) as max_vector_length
    from scaled

),

moments as (

    {%- for dimension in dimensions %}
        select
            {{ dimension.feature_position }} as feature_position,
            mean_{{ dimension.feature_position }} as scaled_mean,
            stddev_{{ dimension.feature_position }} as scaled_stddev,
            min_{{ dimension.feature_position }} as scaled_min,
            max_{{ dimension.feature_position }} as scaled_max,
            min_vector_length,
            max_vector_length
        from element_moments
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

checked as (

    select
        parameters.feature_position,
        parameters.model_feature_id,
        parameters.feature_kind,
        parameters.weight,
        parameters.mean_value,
        parameters.stddev_value,
        moments.scaled_mean,
        moments.scaled_stddev,
        moments.scaled_min,
        moments.scaled_max,
        moments.min_vector_length,
        moments.max_vector_length,
        count(*) over () as dimensions,
        1e-5 * parameters.weight as tolerance
    from parameters
    full outer join moments
        on parameters.feature_position = moments.feature_position

),

failures as (

    select * from checked
    where
        model_feature_id is null
        or scaled_mean is null
        or abs(scaled_mean) > tolerance
        or (
            feature_kind = 'numeric'
            and stddev_value > 0
            and abs(scaled_stddev - weight) > tolerance
        )
        or (
            feature_kind = 'category_level'
            and (
                scaled_min < weight * (0 - mean_value) - tolerance
                or scaled_max > weight * (1 - mean_value) + tolerance
            )
        )
        or min_vector_length != dimensions
        or max_vector_length != dimensions

)

select * from failures
