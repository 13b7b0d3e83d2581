{#-
    One slice of fct_engagement_by_attribute: one row per value of `attribute`
    (the value column named after the attribute), in natural order.  Used by
    fct_engagement_by_age_band, _by_income_band and _by_device_usage.
-#}
{% macro engagement_crosstab_slice(attribute) %}

with

engagement_by_attribute as (

    select * from {{ ref('fct_engagement_by_attribute') }}

),

final as (

    select
        -- ids
        value as {{ attribute }},

        -- numerics
        users,
        share_of_users,
        avg_click_through_rate,
        click_through_rate_index,
        avg_conversion_rate,
        conversion_rate_index,
        avg_expected_conversions_per_impression,
        avg_weekly_hours_online,
        weekly_hours_online_index,
        avg_weekend_share_of_time,
        avg_ad_interaction_seconds,
        avg_engagement_score,
        value_order

    from engagement_by_attribute
    where attribute = '{{ attribute }}'

)

select * from final
order by value_order

{% endmacro %}
