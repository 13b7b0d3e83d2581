{#-
    Reject-reason expressions for stg_user_profiles__records.  Each returns a
    text "<column>: <problem>" when the value cannot be used, else null, so
    that a record collects every reason at once.
-#}

{% macro user_segmentation_reject_category(label, raw, typed) -%}
    case
        when {{ raw }} is null then '{{ label }}: missing'
        when {{ typed }} is null
            then '{{ label }}: ' || {{ user_segmentation_quote_value(raw) }} || ' is not one of the accepted values'
    end
{%- endmacro %}

{% macro user_segmentation_reject_number(label, raw, typed, min_value, max_value) -%}
    case
        when {{ raw }} is null then '{{ label }}: missing'
        when {{ typed }} is null then '{{ label }}: ' || {{ user_segmentation_quote_value(raw) }} || ' is not a number'
        when isnan({{ typed }}) or isinf({{ typed }})
            then '{{ label }}: ' || {{ user_segmentation_quote_value(raw) }} || ' is not a finite number'
        {%- if min_value is not none and max_value is not none %}
        when {{ typed }} < {{ min_value }} or {{ typed }} > {{ max_value }}
            then '{{ label }}: ' || left({{ raw }}, 60) || ' is outside [{{ min_value }}, {{ max_value }}]'
        {%- elif min_value is not none %}
        when {{ typed }} < {{ min_value }}
            then '{{ label }}: ' || left({{ raw }}, 60) || ' is below {{ min_value }}'
        {%- endif %}
    end
{%- endmacro %}

{% macro user_segmentation_reject_whole(label, raw, typed, min_value, max_value) -%}
    coalesce(
        {{ user_segmentation_reject_number(label, raw, typed, min_value, max_value) }},
        case
            when {{ typed }} <> floor({{ typed }})
                then '{{ label }}: ' || left({{ raw }}, 60) || ' is not a whole number'
            -- beyond 2^53 a double no longer holds every whole number (and
            -- beyond 2^63 a bigint cannot hold it): rejected, not a failed cast
            when abs({{ typed }}) > 9007199254740991
                then '{{ label }}: ' || left({{ raw }}, 60) || ' is too large for a whole number'
        end
    )
{%- endmacro %}

{#- A raw value in single quotes for a reason text, cut to 60 characters. -#}
{% macro user_segmentation_quote_value(raw) -%}
    '''' || case
        when length({{ raw }}) > 60 then left({{ raw }}, 57) || '...'
        else {{ raw }}
    end || ''''
{%- endmacro %}

{#- A rate: a fraction, or a percent when it ends with a % sign. -#}

{% macro user_segmentation_parse_rate(raw) -%}
    case
        when suffix({{ raw }}, '%')
            then try_cast(trim(left({{ raw }}, length({{ raw }}) - 1)) as double) / 100
        else try_cast({{ raw }} as double)
    end
{%- endmacro %}

{#-
    A field of the source by its header position, in one of two ways: the
    column itself when the header has the reference order (the usual case:
    no list is built), else the field at that position of the whole record.
    CASE evaluates a branch only for the rows that take it.
-#}
{% macro user_segmentation_field_at(source, position, expected_position) -%}
    case
        when {{ position }} = {{ expected_position }} then {{ source }}.c{{ '%02d' % expected_position }}
        else [
            {%- for i in range(1, 21) -%}
                {{ source }}.c{{ '%02d' % i }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        ][{{ position }}]
    end
{%- endmacro %}

{#-
    trim(), called only when it can change the value: DuckDB's trim removes
    Unicode space separators, which in ASCII text is the space alone, so an
    all-ASCII value (as many bytes as characters) without a space at either
    end is returned as it is. Same result as trim(), without a copy of every
    value.
-#}
{% macro user_segmentation_trim(value) -%}
    case
        when strlen({{ value }}) <> length({{ value }}) or prefix({{ value }}, ' ') or suffix({{ value }}, ' ')
            then trim({{ value }})
        else {{ value }}
    end
{%- endmacro %}
