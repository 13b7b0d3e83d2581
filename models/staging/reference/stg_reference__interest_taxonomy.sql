-- The interest taxonomy seed, staged: one row per known interest.
--
-- Views in the staging schema read the taxonomy from here rather than from
-- the seed: DuckDB stores a view's references without the database name, so a
-- view reading `reference.interest_taxonomy` becomes ambiguous when the
-- database file itself is named reference.duckdb. A 16-row table costs
-- nothing.
with

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

final as (

    select
        -- ids
        interest_id,
        interest_category_id,

        -- strings
        interest_name,
        interest_category

    from interest_taxonomy

)

select * from final
