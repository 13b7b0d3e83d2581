{#-
    Use the custom schema name as it is (staging, intermediate, marts,
    reference) instead of dbt's default "<target schema>_<custom>", so that
    analysts query marts.dim_segments rather than main_marts.dim_segments.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
