{#-
    One pass, one row per value of each attribute plus one for all users, as
    fct_attribute_distributions and fct_engagement_by_attribute count them:

        select {{ attribute_rollup_keys(attributes) }}, count(*) as users
        from ...
        group by {{ attribute_rollup_grouping_sets(attributes) }}

    and then, over that, `{{ attribute_rollup_labels(attributes) }}` gives the
    columns `attribute` (the attribute's name, or 'all_users') and `value` (the
    attribute's value, or 'All users').
-#}

{#- Each attribute, and whether the row rolls it up (`<attribute>__is_rolled_up`, 1 when it does). -#}
{% macro attribute_rollup_keys(attributes) -%}
    {%- for attribute in attributes %}
        {{ attribute }},
        grouping({{ attribute }}) as {{ attribute }}__is_rolled_up{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- One grouping set per attribute, and the empty one for all users. -#}
{% macro attribute_rollup_grouping_sets(attributes) -%}
    grouping sets (
        {%- for attribute in attributes %}
            ({{ attribute }}),
        {%- endfor %}
        ()
    )
{%- endmacro %}

{#- The columns `attribute` and `value` of a row of the grouping sets above. -#}
{% macro attribute_rollup_labels(attributes) -%}
    case
        {%- for attribute in attributes %}
            when {{ attribute }}__is_rolled_up = 0 then '{{ attribute }}'
        {%- endfor %}
        else 'all_users'
    end as attribute,
    coalesce(
        {%- for attribute in attributes %}
            {{ attribute }},
        {%- endfor %}
        'All users'
    ) as value
{%- endmacro %}
