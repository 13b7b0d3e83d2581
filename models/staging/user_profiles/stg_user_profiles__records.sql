{#-
    Every data record of the input file, typed and validated, with the list of
    reasons it cannot be used: the record's own problems
    (stg_user_profiles__parsed) plus the rules that need other records: the
    duplicate rule (stg_user_profiles__duplicates) and the cut-off last record
    (the file ends inside a quoted value, seen on the last line of the file).  stg_user_profiles keeps the records
    without a reason, stg_user_profiles__rejected the others: nothing is lost.

    A view: the wide parsed table is written once; this join with the small
    duplicates table costs little each time it is read.
-#}

{{ config(materialized='view') }}

with

parsed as (

    select * from {{ ref('stg_user_profiles__parsed') }}

),

duplicates as (

    select * from {{ ref('stg_user_profiles__duplicates') }}

),

-- a second, narrow read of the parsed table: only its last record number
last_record as (

    select max(record_number) as last_record_number
    from {{ ref('stg_user_profiles__parsed') }}

),

final as (

    select
        -- ids
        parsed.record_number,
        parsed.user_id,

        -- strings (categories in their reference spelling)
        parsed.age_band,
        parsed.gender,
        parsed.location,
        parsed.language,
        parsed.education_level,
        parsed.device_usage,
        parsed.income_band,
        parsed.top_interests,

        -- numerics
        parsed.likes_and_reactions,
        parsed.followed_accounts,
        parsed.weekday_hours_online,
        parsed.weekend_hours_online,
        parsed.click_through_rate,
        parsed.conversion_rate,
        parsed.ad_interaction_seconds,

        -- validation
        list_concat(
            parsed.field_reject_reasons,
            case
                when duplicates.record_number is not null then [duplicates.reject_reason]
                else []
            end,
            case
                when parsed.is_last_line_open and parsed.record_number = last_record.last_record_number
                    then ['row: the file ends inside a quoted value on this row (the last line is cut off)']
                else []
            end
        ) as reject_reasons,

        -- raw values, exactly as read (trimmed)
        parsed.raw_user_id,
        parsed.raw_age,
        parsed.raw_gender,
        parsed.raw_location,
        parsed.raw_language,
        parsed.raw_education_level,
        parsed.raw_likes_and_reactions,
        parsed.raw_followed_accounts,
        parsed.raw_device_usage,
        parsed.raw_weekday_hours_online,
        parsed.raw_weekend_hours_online,
        parsed.raw_click_through_rate,
        parsed.raw_conversion_rate,
        parsed.raw_ad_interaction_seconds,
        parsed.raw_income_level,
        parsed.raw_top_interests,
        parsed.raw_extra_fields

    from parsed
    cross join last_record
    left join duplicates
        on parsed.record_number = duplicates.record_number

)

select
    *,
    array_to_string(reject_reasons, '; ') as reject_reason_text,
    len(reject_reasons) = 0 as is_valid
from final
