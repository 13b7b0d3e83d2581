{#-
    The valid records: every input record that passed validation
    (stg_user_profiles__records decides; stg_user_profiles__rejected keeps
    the others).

    A view, as dbt staging models usually are. The wide parse
    (stg_user_profiles__fields) is the one table of staging; a copy of its
    valid rows cost 7-9 CPU-seconds at 10M users and saved its readers less
    (README, "Where the time goes"). Its contract still checks the column
    names and types; a view cannot enforce constraints, so the not-null,
    accepted-value and range rules declared in the YAML are checked together,
    in one pass, by the data test `constraints_hold`.
-#}

{{ config(materialized='view') }}

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
