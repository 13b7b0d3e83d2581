{#-
    Every data record of the input file with its record number: the rows of
    stg_user_profiles__fields (written in file order, header first) numbered
    by their position in that table.  DuckDB's rowid is the position of a row
    in a table that is only ever written whole, once, in order (never updated
    or deleted from), which is how dbt builds stg_user_profiles__fields.  The
    number costs nothing to read and keeps the parse parallel.

    A view: the numbering must be read from the table itself.
-#}

{{ config(materialized='view') }}

with

fields as (

    select
        rowid as record_number,
        *
    from {{ ref('stg_user_profiles__fields') }}

),

final as (

    select * from fields
    -- record 0 is the header
    where record_number >= 1

)

select * from final
