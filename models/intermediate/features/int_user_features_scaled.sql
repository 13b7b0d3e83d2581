-- Apply: every user's model input vector, built from the parameters in
-- int_feature_scaling_parameters:
--   features[feature_position] = weight * (value - mean_value) / stddev_value
-- A missing value (null) and a constant dimension (stddev_value 0) give 0,
-- the fitted mean.

{%- set dimensions = model_feature_dimensions() %}
{%- set element_columns = [] %}
{%- for dimension in dimensions %}
    {%- do element_columns.append('dimension_' ~ dimension.feature_position) %}
{%- endfor %}

with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

-- one row holding every parameter, so the transform is one pass over the users
parameter_row as (

    select
        {%- for dimension in dimensions %}
            max(mean_value) filter (
                where model_feature_id = '{{ dimension.model_feature_id }}'
            ) as {{ dimension.model_feature_id }}__mean,
            max(stddev_value) filter (
                where model_feature_id = '{{ dimension.model_feature_id }}'
            ) as {{ dimension.model_feature_id }}__stddev,
            max(weight) filter (
                where model_feature_id = '{{ dimension.model_feature_id }}'
            ) as {{ dimension.model_feature_id }}__weight,
        {%- endfor %}
        count(*) as parameter_rows
    from scaling_parameters

),

scaled_values as (

    select
        {%- for dimension in dimensions %}
            coalesce(
                (
                    {{ model_feature_raw_value(dimension, 'user_features') }}
                    - parameter_row.{{ dimension.model_feature_id }}__mean
                )
                / nullif(parameter_row.{{ dimension.model_feature_id }}__stddev, 0),
                0
            ) * parameter_row.{{ dimension.model_feature_id }}__weight as dimension_{{ dimension.feature_position }},
        {%- endfor %}
        user_features.user_id
    from user_features
    cross join parameter_row

),

final as (

    select
        -- ids
        user_id,

        -- model input, in feature_position order
        [{{ element_columns | join(', ') }}]::float[{{ dimensions | length }}] as features

    from scaled_values

)

select * from final
