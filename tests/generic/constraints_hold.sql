{#-
    Every constraint the model's YAML declares on its columns (`not_null`,
    and `check` with its expression) holds, all checked in one pass over the
    model. For a contracted view: dbt checks a view's column names and types
    but cannot enforce its constraints, which a table's write would do. One
    row per broken constraint, with the column, the rule and how many rows
    break it. A check fails only where its expression is false (null passes),
    as a table's CHECK constraint does. Declare the constraints with
    `warn_unsupported: false` so that dbt does not warn that the view ignores
    them, and this test on the model.
-#}
{% test constraints_hold(model) %}

{%- set rules = [] -%}
{%- if execute -%}
    {%- set nodes = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('relation_name', 'equalto', model | string)
        | list -%}
    {%- if nodes | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            'constraints_hold: no model is built as ' ~ model ~ ' (use the test without a where config)'
        ) }}
    {%- endif -%}
    {%- for column in nodes[0].columns.values() -%}
        {%- for constraint in column.constraints -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do rules.append((column.name, 'not null', column.name ~ ' is null')) -%}
            {%- elif constraint.type == 'check' -%}
                {%- do rules.append((column.name, constraint.expression, 'not (' ~ constraint.expression ~ ')')) -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error(
                    'constraints_hold: ' ~ model ~ '.' ~ column.name ~ ' declares a '
                    ~ constraint.type ~ ' constraint, which this test does not check'
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

{%- if rules %}

with

counts as (

    select
        {%- for rule in rules %}
            count(*) filter (where {{ rule[2] }}) as rule_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

rules as (

    select *
    from (
        values
        {%- for rule in rules %}
            ({{ loop.index }}, {{ user_segmentation_sql_string(rule[0]) }}, {{ user_segmentation_sql_string(rule[1]) }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as declared (rule_number, column_name, rule)

),

broken as (

    select
        rules.rule_number,
        rules.column_name,
        rules.rule,
        counts_by_rule.failing_rows
    from (
        unpivot counts
        on columns(*)
        into name rule_name value failing_rows
    ) as counts_by_rule
    inner join rules
        on counts_by_rule.rule_name = 'rule_' || rules.rule_number

)

select column_name, rule, failing_rows
from broken
where failing_rows > 0
order by rule_number

{%- else %}

-- nothing declared: nothing to check
select null as column_name, null as rule, 0 as failing_rows
where false

{%- endif %}

{% endtest %}
