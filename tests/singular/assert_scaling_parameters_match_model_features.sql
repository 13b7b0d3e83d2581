-- The scaling parameters the build uses (fitted, or saved with the model when
-- refit: false) describe exactly the dimensions of the var model_features, in
-- the same positions. A saved model trained with other features would
-- otherwise score users on mismatched (zero-filled) dimensions. Returns one
-- row per dimension that differs.
{%- set dimensions = model_feature_dimensions() %}

with

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

expected as (

    {% for dimension in dimensions %}
        select
            {{ dimension.feature_position }} as feature_position,
            '{{ dimension.model_feature_id }}' as model_feature_id
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        coalesce(expected.feature_position, scaling_parameters.feature_position) as feature_position,
        expected.model_feature_id as expected_model_feature_id,
        scaling_parameters.model_feature_id as used_model_feature_id
    from expected
    full outer join scaling_parameters
        on expected.feature_position = scaling_parameters.feature_position
    where expected.model_feature_id is distinct from scaling_parameters.model_feature_id

)

select * from final
