with

records as (

    select * from {{ ref('stg_user_profiles__records') }}

),

final as (

    select
        -- ids
        user_id,
        record_number,

        -- demographics (reference spelling)
        age_band,
        gender,
        location,
        language,
        education_level,
        income_band,

        -- behaviour
        device_usage,
        likes_and_reactions,
        followed_accounts,
        weekday_hours_online,
        weekend_hours_online,

        -- ad interaction
        click_through_rate,
        conversion_rate,
        ad_interaction_seconds,

        -- interests
        top_interests,
        len(top_interests) as interest_count

    from records
    where is_valid

)

select * from final
