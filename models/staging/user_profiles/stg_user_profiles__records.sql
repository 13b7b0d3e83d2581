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

        -- raw values, exactly as read (trimmed), for the records with a problem
        -- of their own; the others (valid, or rejected only as a duplicate)
        -- show their typed values as text (stg_user_profiles__fields keeps
        -- raw text only where it explains a problem)
        coalesce(parsed.raw_user_id, parsed.user_id::varchar) as raw_user_id,
        coalesce(parsed.raw_age, parsed.age_band) as raw_age,
        coalesce(parsed.raw_gender, parsed.gender) as raw_gender,
        coalesce(parsed.raw_location, parsed.location) as raw_location,
        coalesce(parsed.raw_language, parsed.language) as raw_language,
        coalesce(parsed.raw_education_level, parsed.education_level) as raw_education_level,
        coalesce(parsed.raw_likes_and_reactions, parsed.likes_and_reactions::varchar) as raw_likes_and_reactions,
        coalesce(parsed.raw_followed_accounts, parsed.followed_accounts::varchar) as raw_followed_accounts,
        coalesce(parsed.raw_device_usage, parsed.device_usage) as raw_device_usage,
        coalesce(parsed.raw_weekday_hours_online, parsed.weekday_hours_online::varchar) as raw_weekday_hours_online,
        coalesce(parsed.raw_weekend_hours_online, parsed.weekend_hours_online::varchar) as raw_weekend_hours_online,
        coalesce(parsed.raw_click_through_rate, parsed.click_through_rate::varchar) as raw_click_through_rate,
        coalesce(parsed.raw_conversion_rate, parsed.conversion_rate::varchar) as raw_conversion_rate,
        coalesce(
            parsed.raw_ad_interaction_seconds, parsed.ad_interaction_seconds::varchar
        ) as raw_ad_interaction_seconds,
        coalesce(parsed.raw_income_level, parsed.income_band) as raw_income_level,
        coalesce(parsed.raw_top_interests, array_to_string(parsed.top_interests, ', ')) as raw_top_interests,
        coalesce(parsed.raw_extra_fields, []) as raw_extra_fields

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
