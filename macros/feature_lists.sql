{#-
    Fixed lists the feature and exploration models are written against.
    Each has a singular test (tests/singular/assert_*_lists_match_seeds.sql)
    that fails when a list and the reference seeds disagree.
-#}

{#- The interest categories of seeds/reference/interest_taxonomy.csv, one has_<id>_interest flag each. -#}
{% macro interest_category_ids() %}
    {{ return(['technology', 'business_finance', 'creative', 'lifestyle', 'home_nature']) }}
{% endmacro %}

{#- The categorical attributes of seeds/reference/category_values.csv, in the order analysts read them. -#}
{% macro categorical_attributes() %}
    {{ return(['age_band', 'gender', 'location', 'language', 'education_level', 'income_band', 'device_usage']) }}
{% endmacro %}

{#- The numeric columns of fct_user_features that the summaries and histograms describe, in reading order. -#}
{% macro exploration_numeric_columns() %}
    {{ return([
        'likes_and_reactions',
        'followed_accounts',
        'likes_per_followed_account',
        'weekday_hours_online',
        'weekend_hours_online',
        'weekly_hours_online',
        'weekend_share_of_time',
        'click_through_rate',
        'conversion_rate',
        'expected_conversions_per_impression',
        'ad_interaction_seconds',
        'interest_count',
        'engagement_score',
    ]) }}
{% endmacro %}

{#- The attributes of the engagement cross-tab (fct_engagement_by_attribute), in reading order. -#}
{% macro engagement_crosstab_attributes() %}
    {{ return(['age_band', 'income_band', 'device_usage']) }}
{% endmacro %}

{#- Hours online per week: five weekdays and two weekend days (fct_user_features). -#}
{% macro weekly_hours_online(relation) -%}
    5 * {{ relation }}.weekday_hours_online + 2 * {{ relation }}.weekend_hours_online
{%- endmacro %}
