{#-
    Aggregates whose result does not depend on the order rows are added in
    (threads, row groups): every value is rounded to 12 decimals and summed as
    DECIMAL(38, 12), which is exact, then divided once. Plain avg()/stddev()
    on DOUBLE can differ in the last bits between runs with several threads.
    Values must stay below 1e26 in absolute value (sums included).
-#}

{#- Mean of a numeric expression (nulls ignored); null when there is no value. -#}
{% macro exact_avg(expression) -%}
    (sum(({{ expression }})::decimal(38, 12)) / nullif(count({{ expression }}), 0))::double
{%- endmacro %}

{#- Sum of squared deviations from `mean` (a column or expression holding the mean). -#}
{% macro exact_sum_of_squared_deviations(expression, mean) -%}
    sum(pow(({{ expression }}) - ({{ mean }}), 2)::decimal(38, 12))::double
{%- endmacro %}
