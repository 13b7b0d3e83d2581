{#-
    Every data record of the input file, typed and validated field by field,
    with the list of reasons found in the record itself.  The one rule that
    needs other records (duplicate user ids) is applied by
    stg_user_profiles__duplicates; stg_user_profiles__records puts the two
    together.

    Written for one streaming pass over the file: no window and no CTE read
    twice (DuckDB would hold a CTE read twice in memory, whole).  The header
    is read by a second scan of the source that stops at the first record.
-#}

with

source as (

    select * from {{ source('raw', 'user_profiles') }}

),

source_header as (

    select * from {{ source('raw', 'user_profiles') }}
    where record_number = 0
    -- at most one record 0 exists; the limit lets the scan stop there
    limit 1  -- noqa: AM09

),

raw_columns as (

    select * from {{ ref('raw_columns') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

-- The header must be the reference header (a byte-order mark and surrounding
-- blanks are tolerated).  Anything else stops the build with a message that
-- names the file and the first column that differs.
header_record as (

    select * exclude (record_number)
    from source_header

),

header_fields as (

    unpivot header_record
    on columns(*)
    into name field_name value found

),

header_comparison as (

    select
        raw_columns.position,
        raw_columns.raw_column_name as expected,
        coalesce(header_fields.found, '(missing)') as found,
        trim(replace(coalesce(header_fields.found, ''), chr(65279), ''))
        = raw_columns.raw_column_name as is_match
    from raw_columns
    left join header_fields
        on header_fields.field_name = 'c' || lpad(raw_columns.position::varchar, 2, '0')

),

header_mismatches as (

    select
        count(*) filter (where not is_match) as mismatched_columns,
        min(position) filter (where not is_match) as first_position,
        arg_min(found, position) filter (where not is_match) as first_found,
        arg_min(expected, position) filter (where not is_match) as first_expected
    from header_comparison

),

header_check as (

    select
        case
            when (select count(*) from header_record) = 0
                then error(
                    'input file {{ var("input_path") | replace("'", "") }} is empty: '
                    || 'expected a header row and at least one user'
                )
            when mismatched_columns > 0
                then error(
                    'input file {{ var("input_path") | replace("'", "") }}: header column '
                    || first_position::varchar || ' is ''' || first_found
                    || ''', expected ''' || first_expected || ''''
                )
            else true
        end as is_header_valid
    from header_mismatches

),

records as (

    select
        -- ids
        source.record_number,

        -- raw values as text: trimmed, empty as null
        nullif(trim(source.c01), '') as raw_user_id,
        nullif(trim(source.c02), '') as raw_age,
        nullif(trim(source.c03), '') as raw_gender,
        nullif(trim(source.c04), '') as raw_location,
        nullif(trim(source.c05), '') as raw_language,
        nullif(trim(source.c06), '') as raw_education_level,
        nullif(trim(source.c07), '') as raw_likes_and_reactions,
        nullif(trim(source.c08), '') as raw_followed_accounts,
        nullif(trim(source.c09), '') as raw_device_usage,
        nullif(trim(source.c10), '') as raw_weekday_hours_online,
        nullif(trim(source.c11), '') as raw_weekend_hours_online,
        nullif(trim(source.c12), '') as raw_click_through_rate,
        nullif(trim(source.c13), '') as raw_conversion_rate,
        nullif(trim(source.c14), '') as raw_ad_interaction_seconds,
        nullif(trim(source.c15), '') as raw_income_level,
        nullif(trim(source.c16), '') as raw_top_interests,
        list_filter(
            [source.c17, source.c18, source.c19, source.c20],
            lambda x: x is not null
        ) as raw_extra_fields

    from source
    cross join header_check
    where source.record_number >= 1 and header_check.is_header_valid

),

interest_lookup as (

    select map(list(lower(interest_name)), list(interest_name)) as interest_names
    from interest_taxonomy

),

typed as (

    select
        records.*,

        -- numerics: parsed as numbers; text that is not a number stays null
        try_cast(records.raw_user_id as double) as user_id_number,
        try_cast(records.raw_likes_and_reactions as double) as likes_and_reactions_number,
        try_cast(records.raw_followed_accounts as double) as followed_accounts_number,
        try_cast(records.raw_weekday_hours_online as double) as weekday_hours_online,
        try_cast(records.raw_weekend_hours_online as double) as weekend_hours_online,
        try_cast(records.raw_click_through_rate as double) as click_through_rate,
        try_cast(records.raw_conversion_rate as double) as conversion_rate,
        try_cast(records.raw_ad_interaction_seconds as double) as ad_interaction_seconds_number,

        -- categories: matched to the reference values case-insensitively
        age.value as age_band,
        gender.value as gender,
        location.value as location,
        language.value as language,
        education.value as education_level,
        device.value as device_usage,
        income.value as income_band,

        -- interests: split on commas, trimmed, spelled as in the taxonomy when
        -- known, duplicates within the row removed (first occurrence kept)
        list_filter(
            list_transform(
                string_split(coalesce(records.raw_top_interests, ''), ','),
                lambda x: coalesce(
                    interest_lookup.interest_names[lower(trim(x))],
                    trim(x)
                )
            ),
            lambda x: x <> ''
        ) as interest_list_with_repeats

    from records
    cross join interest_lookup
    left join category_values as age
        on age.attribute = 'age_band' and lower(records.raw_age) = lower(age.value)
    left join category_values as gender
        on gender.attribute = 'gender' and lower(records.raw_gender) = lower(gender.value)
    left join category_values as location
        on location.attribute = 'location' and lower(records.raw_location) = lower(location.value)
    left join category_values as language
        on language.attribute = 'language' and lower(records.raw_language) = lower(language.value)
    left join category_values as education
        on
            education.attribute = 'education_level'
            and lower(records.raw_education_level) = lower(education.value)
    left join category_values as device
        on
            device.attribute = 'device_usage'
            and lower(records.raw_device_usage) = lower(device.value)
    left join category_values as income
        on income.attribute = 'income_band' and lower(records.raw_income_level) = lower(income.value)

),

checked as (

    select
        *,
        list_transform(
            list_filter(
                generate_series(1, len(interest_list_with_repeats)),
                lambda i: list_position(
                    interest_list_with_repeats, interest_list_with_repeats[i]
                ) = i
            ),
            lambda i: interest_list_with_repeats[i]
        ) as top_interests,
        list_filter(
            [
                {{ user_segmentation_reject_whole(
                    'user_id', 'raw_user_id', 'user_id_number', 1, none
                ) }},
                {{ user_segmentation_reject_category('age', 'raw_age', 'age_band') }},
                {{ user_segmentation_reject_category('gender', 'raw_gender', 'gender') }},
                {{ user_segmentation_reject_category('location', 'raw_location', 'location') }},
                {{ user_segmentation_reject_category('language', 'raw_language', 'language') }},
                {{ user_segmentation_reject_category(
                    'education_level', 'raw_education_level', 'education_level'
                ) }},
                {{ user_segmentation_reject_whole(
                    'likes_and_reactions', 'raw_likes_and_reactions', 'likes_and_reactions_number', 0, none
                ) }},
                {{ user_segmentation_reject_whole(
                    'followed_accounts', 'raw_followed_accounts', 'followed_accounts_number', 0, none
                ) }},
                {{ user_segmentation_reject_category(
                    'device_usage', 'raw_device_usage', 'device_usage'
                ) }},
                {{ user_segmentation_reject_number(
                    'weekday_hours_online', 'raw_weekday_hours_online', 'weekday_hours_online', 0, var('max_hours_per_day')
                ) }},
                {{ user_segmentation_reject_number(
                    'weekend_hours_online', 'raw_weekend_hours_online', 'weekend_hours_online', 0, var('max_hours_per_day')
                ) }},
                {{ user_segmentation_reject_number(
                    'click_through_rate', 'raw_click_through_rate', 'click_through_rate', 0, 1
                ) }},
                {{ user_segmentation_reject_number(
                    'conversion_rate', 'raw_conversion_rate', 'conversion_rate', 0, 1
                ) }},
                {{ user_segmentation_reject_whole(
                    'ad_interaction_seconds', 'raw_ad_interaction_seconds',
                    'ad_interaction_seconds_number', 0, var('max_ad_interaction_seconds')
                ) }},
                {{ user_segmentation_reject_category(
                    'income_level', 'raw_income_level', 'income_band'
                ) }},
                case
                    when len(interest_list_with_repeats) = 0
                        then 'top_interests: missing (no interest listed)'
                end,
                case
                    when len(raw_extra_fields) > 0
                        then
                            'row: ' || (16 + len(raw_extra_fields))::varchar
                            || ' fields, expected 16 (extra: '''
                            || array_to_string(raw_extra_fields, ''', ''') || ''')'
                end
            ],
            lambda x: x is not null
        ) as field_reject_reasons

    from typed

),

final as (

    select
        -- ids
        record_number,
        user_id_number,
        -- try_cast: 'nan', 'inf' or 1e30 must become a rejected row, not a
        -- failed build
        case
            when user_id_number = floor(user_id_number) and user_id_number >= 1
                then try_cast(user_id_number as bigint)
        end as user_id,

        -- strings (categories in their reference spelling)
        age_band,
        gender,
        location,
        language,
        education_level,
        device_usage,
        income_band,
        top_interests,

        -- numerics
        try_cast(likes_and_reactions_number as bigint) as likes_and_reactions,
        try_cast(followed_accounts_number as bigint) as followed_accounts,
        weekday_hours_online,
        weekend_hours_online,
        click_through_rate,
        conversion_rate,
        try_cast(ad_interaction_seconds_number as bigint) as ad_interaction_seconds,

        -- validation
        field_reject_reasons,

        -- raw values, exactly as read (trimmed)
        raw_user_id,
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

    from checked

)

select * from final
