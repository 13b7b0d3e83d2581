{#-
    Aggregates whose result does not depend on the order rows are added in
    (threads, row groups): every value is rounded to 12 decimals and summed as
    DECIMAL(38, 12), which is exact, then divided once. Plain avg()/stddev()
    on DOUBLE can differ in the last bits between runs with several threads.
    Values must stay below 1e26 in absolute value (sums included).
-#}

{#- Mean of a numeric expression (nulls ignored); null when there is no value. -#}
{% macro exact_avg(expression) -%}
    ({{ exact_sum(expression) }} / nullif(count({{ expression }}), 0))::double
{%- endmacro %}

{#-
    Exact sum of a numeric expression, as DECIMAL(38, 12). Sums of sums are
    exact too, so partial sums (per group) can be rolled up later:
    sum(partial sums) / sum(partial counts) is exact_avg of all the values.
-#}
{% macro exact_sum(expression) -%}
    sum(({{ expression }})::decimal(38, 12))
{%- endmacro %}

{#-
    Partial sums for a later roll-up: `<name>__sum` (exact) and `<name>__count`
    of `expression` in each group, as select-list items. Rolled up by
    exact_avg_of_partials(name), which equals exact_avg(expression) over the
    union of the groups, to the last bit.
-#}
{% macro exact_partial_sums(expression, name) -%}
    {{ exact_sum(expression) }} as {{ name }}__sum,
    count({{ expression }}) as {{ name }}__count
{%- endmacro %}

{#- The exact mean rolled up from the partial sums of exact_partial_sums(..., name). -#}
{% macro exact_avg_of_partials(name) -%}
    (sum({{ name }}__sum) / nullif(sum({{ name }}__count), 0))::double
{%- endmacro %}

{#-
    Sum of squared deviations from `mean` (a column or expression holding the
    mean).  The square is a product, not pow(): DuckDB computes the repeated
    difference once, and pow() cost more than the exact sum itself (10M users,
    8 columns: 0.8 s against 0.3 s).
-#}
{% macro exact_sum_of_squared_deviations(expression, mean) -%}
    {%- set deviation = '((' ~ expression ~ ') - (' ~ mean ~ '))' -%}
    sum(({{ deviation }} * {{ deviation }})::decimal(38, 12))::double
{%- endmacro %}

{#-
    True for the users whose quantiles (medians, quartiles) are computed: every
    user when `relation` has at most `quantile_sample_rows` rows, otherwise a
    fixed, seeded 1-in-m subset (m = ceil(rows / quantile_sample_rows)), so
    that exact quantiles, which hold every value in memory, stay within
    DuckDB's memory limit at any input size. Means and deviations always use
    every user.
-#}
{% macro quantile_sample(user_id, relation) -%}
    (
        hash({{ user_id }}, {{ user_segmentation_number_var('segmentation_seed') | int }})
        % greatest(
            1, ceil((select count(*) from {{ relation }}) / {{ user_segmentation_number_var('quantile_sample_rows') }})
        )::ubigint
    ) = 0
{%- endmacro %}
