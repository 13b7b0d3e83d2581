{#-
    The duplicate rule, the one check that needs other records: one row per
    record rejected because another record has the same user id.

    An aggregate over three narrow columns of the parsed table, not a window
    over whole records, so it stays small and fast at tens of millions of
    users.  Ids are compared as numbers: '7', '7.0' and ' 7 ' are one id.
-#}

with

-- not materialized: read more than once, and recomputing only the columns
-- each reader needs is cheaper than holding every user in memory
parsed as not materialized (

    select * from {{ ref('stg_user_profiles__parsed') }}

),

-- Ids that occur more than once, with the record that counts as the
-- original: the first record of the id (in file order) that has nothing else
-- wrong, else the first record of the id.
repeated_ids as (

    select
        user_id_number,
        coalesce(
            min(record_number) filter (where len(field_reject_reasons) = 0),
            min(record_number)
        ) as original_record_number
    from parsed
    where user_id_number is not null
    group by user_id_number
    having count(*) > 1

),

final as (

    select
        -- ids
        parsed.record_number,
        repeated_ids.original_record_number,

        -- strings
        -- raw text is kept for records with a problem of their own; a record
        -- that is valid but for this rule shows its id as a whole number
        coalesce(parsed.raw_user_id, parsed.user_id::varchar) as raw_user_id,
        'user_id: duplicate of the record ' || repeated_ids.original_record_number::varchar
        || ' with the same id ' || coalesce(parsed.raw_user_id, parsed.user_id::varchar) as reject_reason

    from parsed
    inner join repeated_ids
        on parsed.user_id_number = repeated_ids.user_id_number
    where parsed.record_number <> repeated_ids.original_record_number

)

select * from final
