-- STUB until issue 3 lands: the real model comes from the feature marts
-- (issue 3). Same name and columns as in CONTRACTS.md; only here so that the
-- segmentation engine can be built and tested on its own branch.
{%- set numerics = [
    'likes_and_reactions', 'followed_accounts', 'weekday_hours_online', 'weekend_hours_online',
    'click_through_rate', 'conversion_rate', 'ad_interaction_seconds',
] %}
{%- set categories = ['device_usage', 'age_band'] %}

{% if not segmentation_refit() %}

-- refit: false -> the parameters saved with the segmentation model
select * from {{ saved_segmentation_model_file('scaling_parameters') }}

{% else %}

    with

    users as (

        select * from {{ ref('stg_user_profiles') }}

    ),

    category_values as (

        select * from {{ ref('category_values') }}

    ),

    numeric_parameters as (

        {% for column in numerics %}
            select
                {{ loop.index }} as feature_order,
                '{{ column }}' as source_column,
                'numeric' as feature_kind,
                null::varchar as category_level,
                -- exact decimal sums: the same bits whatever the threads
                sum({{ column }}::decimal(18, 3))::double / count(*) as mean_value,
                sqrt(greatest(
                    (
                        sum({{ column }}::decimal(18, 3) * {{ column }}::decimal(18, 3))::double
                        - sum({{ column }}::decimal(18, 3))::double ^ 2 / count(*)
                    ) / count(*),
                    0
                )) as stddev_value
            from users
            {% if not loop.last %}union all{% endif %}
        {% endfor %}

    ),

    level_shares as (

        {% for column in categories %}
            select
                100 + {{ loop.index }} * 10 + category_values.sort_order as feature_order,
                '{{ column }}' as source_column,
                'category_level' as feature_kind,
                category_values.value as category_level,
                avg((users.{{ column }} = category_values.value)::integer)::double as mean_value
            from category_values
            cross join users
            where category_values.attribute = '{{ column }}'
            group by all
            {% if not loop.last %}union all{% endif %}
        {% endfor %}

    ),

    all_parameters as (

        select * from numeric_parameters
        union all
        select
            feature_order,
            source_column,
            feature_kind,
            category_level,
            mean_value,
            sqrt(mean_value * (1 - mean_value)) as stddev_value
        from level_shares

    ),

    final as (

        select
            source_column || coalesce(':' || category_level, '') as model_feature_id,
            row_number() over (order by feature_order)::integer as feature_position,
            source_column,
            feature_kind,
            category_level,
            1.0::double as weight,
            mean_value,
            stddev_value
        from all_parameters

    )

    select * from final

{% endif %}
