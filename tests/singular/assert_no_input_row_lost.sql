-- Nothing lost: every data record of the input file is either staged or
-- rejected, exactly once.  Returns a row (and fails) when the counts differ.
with

raw_records as (

    -- every record the reader returned (stg_user_profiles__fields is the
    -- reader's output, one row per record, unfiltered), less the header;
    -- counting the file again would parse it a second time
    select count(*) - 1 as raw_rows
    from {{ ref('stg_user_profiles__fields') }}

),

staged as (

    select count(*) as staged_rows from {{ ref('stg_user_profiles') }}

),

rejected as (

    select count(*) as rejected_rows from {{ ref('stg_user_profiles__rejected') }}

),

overlap as (

    select count(*) as overlapping_rows
    from {{ ref('stg_user_profiles') }} as staged_users
    inner join {{ ref('stg_user_profiles__rejected') }} as rejected_users
        on staged_users.record_number = rejected_users.record_number

)

select
    raw_records.raw_rows,
    staged.staged_rows,
    rejected.rejected_rows,
    overlap.overlapping_rows
from raw_records
cross join staged
cross join rejected
cross join overlap
where
    raw_records.raw_rows <> staged.staged_rows + rejected.rejected_rows
    or overlap.overlapping_rows > 0
