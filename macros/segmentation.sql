{#-
    Settings of the segmentation engine (issue 4), read from the dbt vars
    documented in dbt_project.yml.
-#}

{#- true when this build fits the scaling parameters and the model (var refit). -#}
{% macro segmentation_refit() -%}
    {%- set value = var('refit', true) -%}
    {%- if value is string -%}
        {{- return(value | trim | lower not in ('false', '0', 'no', 'off')) -}}
    {%- endif -%}
    {{- return(value | as_bool) -}}
{%- endmacro %}

{#- Folder of the saved model (var model_dir), without a trailing slash. -#}
{% macro segmentation_model_dir() -%}
    {{- return(user_segmentation_project_path(var('model_dir')).rstrip('/')) -}}
{%- endmacro %}

{#-
    A path relative to the project's folder: as it is when absolute, else
    prefixed with env USER_SEGMENTATION_PROJECT_DIR (set by the runner, which
    runs dbt in the database's folder; default `.`, where dbt runs).
-#}
{% macro user_segmentation_project_path(path) -%}
    {%- set path = path | string -%}
    {%- if path.startswith('/') -%}
        {{- return(path) -}}
    {%- endif -%}
    {{- return(env_var('USER_SEGMENTATION_PROJECT_DIR', '.') ~ '/' ~ path) -}}
{%- endmacro %}

{#- A Parquet file of the saved model, as a table expression: read_parquet('<model_dir>/<name>.parquet'). -#}
{% macro saved_segmentation_model_file(name) -%}
    {%- set path = segmentation_model_dir() ~ '/' ~ name ~ '.parquet' -%}
    read_parquet('{{ path | replace("'", "''") }}')
{%- endmacro %}

{#-
    The last select of a model that fits something the segmentation model
    saves (the scaling parameters): `select * from <fitted CTE>` on refit
    builds, else the same table as saved in model_dir by the last refit build.
-#}
{% macro fitted_or_saved(fitted_cte, saved_name) -%}
    {%- if segmentation_refit() -%}
        select * from {{ fitted_cte }}
    {%- else -%}
        select * from {{ saved_segmentation_model_file(saved_name) }}
    {%- endif -%}
{%- endmacro %}

{#-
    How many segments the SQL scoring can hold: one distance column per
    possible segment, so that the scoring needs no database access at compile
    time. The largest k the build can produce is k_max, or n_clusters when it
    is set higher.
-#}
{% macro segment_slots() -%}
    {%- set n_clusters = var('n_clusters', none) -%}
    {%- set k_max = var('k_max') | int -%}
    {%- if n_clusters is not none and (n_clusters | string | trim | lower) not in ('', 'none', 'null') -%}
        {{- return([k_max, n_clusters | int] | max) -}}
    {%- endif -%}
    {{- return(k_max) -}}
{%- endmacro %}

{#-
    on-run-end: after a refit build in which every node succeeded, save the
    model and its scaling parameters as Parquet files in model_dir, so that a
    later build with refit: false scores new users with this model. Nothing is
    written when anything failed, when the model was not rebuilt, or when
    refit is false.
-#}
{% macro export_segmentation_model(results) %}
    {%- if execute and segmentation_refit() -%}
        {%- set problems = [] -%}
        {%- set models = {} -%}
        {%- for result in results -%}
            {%- if result.status in ('error', 'fail', 'runtime error', 'skipped') -%}
                {%- do problems.append(result.node.name) -%}
            {%- endif -%}
            {%- if result.node.name in ('int_segmentation_model', 'int_feature_scaling_parameters')
                and result.status == 'success' -%}
                {%- do models.update({result.node.name: result.node.relation_name}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems | length == 0 and models | length == 2 -%}
            {%- set folder = segmentation_model_dir() -%}
            {%- set files = {
                'segmentation_model': models['int_segmentation_model'],
                'scaling_parameters': models['int_feature_scaling_parameters'],
            } -%}
            {%- for name, relation in files.items() -%}
                {%- set path = folder ~ '/' ~ name ~ '.parquet' -%}
                {%- do run_query(
                    "copy (select * from " ~ relation ~ ") to '" ~ (path | replace("'", "''"))
                    ~ "' (format parquet, compression zstd)"
                ) -%}
            {%- endfor -%}
            {{ log("Saved the segmentation model to " ~ folder, info=true) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
