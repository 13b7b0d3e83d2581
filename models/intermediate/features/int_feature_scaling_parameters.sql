-- Fit: one row per model input dimension (var `model_features`), with the
-- mean and standard deviation fitted on the current users. Applying them is
-- int_user_features_scaled's job, so the same transform can be applied to any
-- later user or the parameters can come from a saved model instead.

{%- set dimensions = model_feature_dimensions() %}

with

-- not materialized: read more than once, and recomputing only the columns
-- each reader needs is cheaper than holding every user in memory
user_features as not materialized (

    select * from {{ ref('fct_user_features') }}

),

-- first pass: the mean of every dimension (exact, order-independent sums)
means as (

    select
        {%- for dimension in dimensions %}
            {{ exact_avg(model_feature_raw_value(dimension, 'user_features')) }}
                as {{ dimension.model_feature_id }}__mean,
        {%- endfor %}
        count(*) as fitted_users
    from user_features

),

-- second pass: the population standard deviation of every numeric dimension;
-- category levels are not divided (stddev_value 1, see the docs)
moments as (

    select
        {%- for dimension in dimensions %}
            any_value(means.{{ dimension.model_feature_id }}__mean) as {{ dimension.model_feature_id }}__mean,
            {%- if dimension.feature_kind == 'numeric' %}
                sqrt(
                    {{ exact_sum_of_squared_deviations(
                        model_feature_raw_value(dimension, 'user_features'),
                        'means.' ~ dimension.model_feature_id ~ '__mean'
                    ) }}
                    / nullif(count({{ model_feature_raw_value(dimension, 'user_features') }}), 0)
                )
            {%- else %}
                1.0
            {%- endif %} as {{ dimension.model_feature_id }}__stddev,
        {%- endfor %}
        means.fitted_users
    from user_features
    cross join means
    group by means.fitted_users

),

dimensions as (

    {%- for dimension in dimensions %}
        select
            {{ dimension.feature_position }} as feature_position,
            '{{ dimension.model_feature_id }}' as model_feature_id,
            '{{ dimension.source_column }}' as source_column,
            '{{ dimension.feature_kind }}' as feature_kind,
            {{ sql_string_or_null(dimension.category_level) }}::varchar as category_level,
            {{ dimension.weight }}::double as weight,
            moments.{{ dimension.model_feature_id }}__mean::double as mean_value,
            moments.{{ dimension.model_feature_id }}__stddev::double as stddev_value,
            moments.fitted_users
        from moments
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        -- ids
        model_feature_id,

        -- strings
        source_column,
        feature_kind,
        category_level,

        -- numerics
        feature_position,
        weight,
        mean_value,
        stddev_value,
        fitted_users

    from dimensions

)

-- refit: false reads the parameters saved with the segmentation model instead
-- (macros/segmentation.sql); the fit above is then never executed
{{ fitted_or_saved('final', 'scaling_parameters') }}
order by feature_position
