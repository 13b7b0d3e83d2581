{#-
    The engagement metrics profiled per segment (dim_segments, fct_segment_metrics),
    as columns of fct_user_features.  Labels, display formats and naming phrases of
    each metric live in seeds/segment_naming_phrases.csv (a test checks that every
    metric listed here has a row there).
-#}
{% macro segment_profile_metrics() %}
    {#- the exploration columns except the composite engagement score -#}
    {{ return(exploration_numeric_columns() | reject('equalto', 'engagement_score') | list) }}
{% endmacro %}

{#- The demographic (and device) attributes profiled per segment: every categorical attribute. -#}
{% macro segment_profile_attributes() %}
    {{ return(categorical_attributes()) }}
{% endmacro %}

{#-
    SHA-256 of the audience salt followed by the user id, as 64 lower-case hex digits.
    The salt is read from the DuckDB session variable `audience_hash_salt`, which the
    project's dbt-duckdb plugin (python/user_segmentation/duckdb_plugin.py) sets from the
    environment variable AUDIENCE_HASH_SALT on every connection.  The salt therefore never
    appears in compiled SQL, dbt logs, tables or files.
-#}
{% macro audience_hashed_id(user_id) -%}
    sha256(coalesce(getvariable('audience_hash_salt'), '') || cast({{ user_id }} as varchar))
{%- endmacro %}

{#-
    A number in [0, 1) drawn deterministically from the holdout seed, the campaign and the
    user: the first 52 bits of SHA-256('<holdout_seed>:<campaign_id>:<user_id>') divided by 2^52.
    Each campaign gets its own independent holdout; the same settings give the same holdout.
-#}
{% macro holdout_draw(campaign_id, user_id) -%}
    ('0x' || substr(sha256(
        '{{ var("holdout_seed") | int }}:' || {{ campaign_id }} || ':' || cast({{ user_id }} as varchar)
    ), 1, 13))::bigint / 4503599627370496.0
{%- endmacro %}
