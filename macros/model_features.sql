{#-
    The model input dimensions, from the var `model_features`.

    Each entry of the var is a mapping:
      column:  a column of fct_user_features
      kind:    numeric (default) or category
      weight:  multiplies the standardised value (default 1.0, must be > 0)
      levels:  for kind category, the levels that become one-hot dimensions
               (every level of the attribute in seeds/reference/category_values.csv)

    Returns one dict per dimension, in feature_position order:
      feature_position (1..d), model_feature_id, source_column, feature_kind
      ('numeric' | 'category_level'), category_level (none for numeric), weight.
-#}
{% macro model_feature_dimensions() %}
    {%- set dimensions = [] -%}
    {%- set seen = [] -%}
    {%- for entry in var('model_features') -%}
        {%- set column = entry.get('column') -%}
        {%- set kind = entry.get('kind', 'numeric') -%}
        {%- set weight = entry.get('weight', 1.0) | float -%}
        {%- if not column or not modules.re.match('^[a-z][a-z0-9_]*$', column) -%}
            {{ exceptions.raise_compiler_error("model_features: entry " ~ loop.index ~ " needs a `column` in snake_case, got " ~ entry) }}
        {%- endif -%}
        {%- if weight <= 0 -%}
            {{ exceptions.raise_compiler_error("model_features: weight of " ~ column ~ " must be > 0, got " ~ weight) }}
        {%- endif -%}
        {%- if kind == 'numeric' -%}
            {%- set ids = [(column, none)] -%}
        {%- elif kind == 'category' -%}
            {%- if not entry.get('levels') -%}
                {{ exceptions.raise_compiler_error("model_features: category " ~ column ~ " needs its `levels`") }}
            {%- endif -%}
            {%- set ids = [] -%}
            {%- for level in entry['levels'] -%}
                {%- set slug = modules.re.sub('[^a-z0-9]+', '_', (level | string) | lower) | trim('_') -%}
                {%- do ids.append((column ~ '__' ~ slug, level | string)) -%}
            {%- endfor -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("model_features: kind of " ~ column ~ " must be numeric or category, got " ~ kind) }}
        {%- endif -%}
        {%- for model_feature_id, level in ids -%}
            {%- if model_feature_id in seen -%}
                {{ exceptions.raise_compiler_error("model_features: " ~ model_feature_id ~ " is listed twice") }}
            {%- endif -%}
            {%- do seen.append(model_feature_id) -%}
            {%- do dimensions.append({
                'feature_position': dimensions | length + 1,
                'model_feature_id': model_feature_id,
                'source_column': column,
                'feature_kind': 'numeric' if kind == 'numeric' else 'category_level',
                'category_level': level,
                'weight': weight,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if dimensions | length == 0 -%}
        {{ exceptions.raise_compiler_error("model_features is empty: the segmentation needs at least one feature") }}
    {%- endif -%}
    {{ return(dimensions) }}
{% endmacro %}

{#- The unscaled value of one dimension for a row of `relation_alias`: the column, or its 0/1 level indicator. -#}
{% macro model_feature_raw_value(dimension, relation_alias) %}
    {%- if dimension.feature_kind == 'numeric' -%}
        {{ relation_alias }}.{{ dimension.source_column }}::double
    {%- else -%}
        (case when {{ relation_alias }}.{{ dimension.source_column }} = '{{ dimension.category_level | replace("'", "''") }}' then 1.0 else 0.0 end)
    {%- endif -%}
{% endmacro %}

{#- A string literal (or null) for SQL. -#}
{% macro sql_string_or_null(value) %}
    {%- if value is none -%}null{%- else -%}'{{ value | replace("'", "''") }}'{%- endif -%}
{% endmacro %}

{#-
    Two CTEs that apply the fitted scaling to the users of the CTE whose name
    is given as `user_features` (columns of fct_user_features):
      scaling_row     one row holding every parameter of `scaling_parameters`
                      (a CTE over int_feature_scaling_parameters);
      scaled_features user_id and the model input vector `features`
                      (FLOAT[d], element i = weight * (value - mean) / stddev,
                      0 for a missing value or a constant dimension).
    Shared by int_user_features_scaled (every user) and
    int_segmentation_training_sample (the sampled users only), so the two
    compute the same vector, value for value. Emits `name as (...),` for both;
    the caller writes the CTE that follows.
-#}
{% macro scaled_features_ctes(user_features, scaling_parameters) %}
    {%- set dimensions = model_feature_dimensions() %}
scaling_row as (

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
    from {{ scaling_parameters }}

),

scaled_features as (

    select
        {{ user_features }}.user_id,
        [
            {%- for dimension in dimensions %}
                coalesce(
                    (
                        {{ model_feature_raw_value(dimension, user_features) }}
                        - scaling_row.{{ dimension.model_feature_id }}__mean
                    )
                    / nullif(scaling_row.{{ dimension.model_feature_id }}__stddev, 0),
                    0
                ) * scaling_row.{{ dimension.model_feature_id }}__weight{{ ',' if not loop.last }}
            {%- endfor %}
        ]::float[{{ dimensions | length }}] as features
    from {{ user_features }}
    cross join scaling_row

),
{%- endmacro %}
