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

{#-
    The 16 reference columns of the input file in order (as the seed
    raw_columns lists them): the column name in staging, the header
    position, the raw_* name of the text value as read, and whether the
    column is a category matched to seeds/reference/category_values.csv.
    stg_user_profiles__fields keeps the raw values of a record with a problem
    as one list in this order; stg_user_profiles__parsed names them.
-#}
{% macro user_segmentation_reference_columns() %}
    {{ return([
        {'name': 'user_id', 'position': 1, 'raw_name': 'raw_user_id', 'is_category': false},
        {'name': 'age_band', 'position': 2, 'raw_name': 'raw_age', 'is_category': true},
        {'name': 'gender', 'position': 3, 'raw_name': 'raw_gender', 'is_category': true},
        {'name': 'location', 'position': 4, 'raw_name': 'raw_location', 'is_category': true},
        {'name': 'language', 'position': 5, 'raw_name': 'raw_language', 'is_category': true},
        {'name': 'education_level', 'position': 6, 'raw_name': 'raw_education_level', 'is_category': true},
        {'name': 'likes_and_reactions', 'position': 7, 'raw_name': 'raw_likes_and_reactions', 'is_category': false},
        {'name': 'followed_accounts', 'position': 8, 'raw_name': 'raw_followed_accounts', 'is_category': false},
        {'name': 'device_usage', 'position': 9, 'raw_name': 'raw_device_usage', 'is_category': true},
        {'name': 'weekday_hours_online', 'position': 10, 'raw_name': 'raw_weekday_hours_online', 'is_category': false},
        {'name': 'weekend_hours_online', 'position': 11, 'raw_name': 'raw_weekend_hours_online', 'is_category': false},
        {'name': 'click_through_rate', 'position': 12, 'raw_name': 'raw_click_through_rate', 'is_category': false},
        {'name': 'conversion_rate', 'position': 13, 'raw_name': 'raw_conversion_rate', 'is_category': false},
        {'name': 'ad_interaction_seconds', 'position': 14, 'raw_name': 'raw_ad_interaction_seconds', 'is_category': false},
        {'name': 'income_band', 'position': 15, 'raw_name': 'raw_income_level', 'is_category': true},
        {'name': 'top_interests', 'position': 16, 'raw_name': 'raw_top_interests', 'is_category': false}
    ]) }}
{% endmacro %}
