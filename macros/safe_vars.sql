{#-
    Vars reach SQL only through these macros: text is quoted as a SQL string
    literal (a quote inside is doubled, so it cannot end the literal), numbers
    are checked to be numbers.  A malicious value cannot run SQL; a wrong one
    stops the build at compile time with a message naming the var.
-#}

{% macro user_segmentation_sql_string(text) -%}
    '{{ text | string | replace("'", "''") }}'
{%- endmacro %}

{% macro user_segmentation_number_var(name) -%}
    {%- set value = var(name) -%}
    {%- if value is number and value is not boolean -%}
        {{ value }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a number, got '" ~ (value | string)[:60] ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
