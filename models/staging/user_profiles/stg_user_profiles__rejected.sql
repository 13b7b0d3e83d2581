with

records as (

    select * from {{ ref('stg_user_profiles__records') }}

),

final as (

    select
        -- ids
        record_number,
        raw_user_id,

        -- why
        reject_reasons,
        reject_reason_text,
        len(reject_reasons) as reject_reason_count,

        -- raw values, exactly as read (trimmed)
        raw_age,
        raw_gender,
        raw_location,
        raw_language,
        raw_education_level,
        raw_likes_and_reactions,
        raw_followed_accounts,
        raw_device_usage,
        raw_weekday_hours_online,
        raw_weekend_hours_online,
        raw_click_through_rate,
        raw_conversion_rate,
        raw_ad_interaction_seconds,
        raw_income_level,
        raw_top_interests,
        raw_extra_fields

    from records
    where not is_valid

)

select * from final
