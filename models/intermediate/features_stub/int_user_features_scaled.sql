-- STUB until issue 3 lands: the real model comes from the feature marts
-- (issue 3). Applies int_feature_scaling_parameters to every valid user.
{%- set numerics = [
    'likes_and_reactions', 'followed_accounts', 'weekday_hours_online', 'weekend_hours_online',
    'click_through_rate', 'conversion_rate', 'ad_interaction_seconds',
] %}
{%- set categories = ['device_usage', 'age_band'] %}

with

users as (

    select * from {{ ref('stg_user_profiles') }}

),

parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

user_values as (

    {% for column in numerics %}
        select
            user_id,
            '{{ column }}' as model_feature_id,
            {{ column }}::double as raw_value
        from users
        union all
    {% endfor %}
    {% for column in categories %}
        select
            users.user_id,
            parameters.model_feature_id,
            (users.{{ column }} = parameters.category_level)::integer::double as raw_value
        from users
        inner join parameters
            on parameters.source_column = '{{ column }}'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

scaled as (

    select
        user_values.user_id,
        parameters.feature_position,
        coalesce(
            parameters.weight * (user_values.raw_value - parameters.mean_value)
            / nullif(parameters.stddev_value, 0),
            0
        ) as scaled_value
    from user_values
    inner join parameters
        on user_values.model_feature_id = parameters.model_feature_id

),

final as (

    select
        user_id,
        list(scaled_value::float order by feature_position)::float[17] as features
    from scaled
    group by user_id

)

select * from final
