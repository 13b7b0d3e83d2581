{#-
    Every data record of the input file with its record number: the rows of
    stg_user_profiles__fields (written in file order, header first) numbered
    by their position in that table.  DuckDB's rowid is the position of a row
    in a table that is only ever written whole, once, in order (never updated
    or deleted from), which is how dbt builds stg_user_profiles__fields.  The
    number costs nothing to read and keeps the parse parallel.

    The raw text of a record with a problem of its own is stored there as one
    list (raw_values, in reference column order); here each value gets its
    raw_* column back.

    A view: the numbering must be read from the table itself.
-#}

{%- set reference_columns = user_segmentation_reference_columns() %}

{{ config(materialized='view') }}

with

fields as (

    select
        rowid as record_number,
        * exclude (raw_values, raw_extra_fields, field_reject_reasons, is_last_line_open),

        -- raw values, exactly as read (trimmed), for the records with a
        -- problem of their own (null for the others)
        {%- for column in reference_columns %}
            raw_values[{{ loop.index }}] as {{ column.raw_name }},
        {%- endfor %}
        raw_extra_fields,

        -- validation
        field_reject_reasons,
        is_last_line_open

    from {{ ref('stg_user_profiles__fields') }}

),

final as (

    select * from fields
    -- record 0 is the header
    where record_number >= 1

)

select * from final
