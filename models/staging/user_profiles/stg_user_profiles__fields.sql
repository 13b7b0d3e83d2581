{#-
    Every record of the input file, header included, typed and validated
    field by field, with the list of reasons found in the record itself.  The
    rows are written in file order (DuckDB preserves insertion order), so a
    row's position in this table is its record number: stg_user_profiles__parsed
    exposes it (rowid) and drops the header.  The one rule that needs other
    records (duplicate user ids) is applied by stg_user_profiles__duplicates;
    stg_user_profiles__records puts the two together.

    Written for one parallel streaming pass over the file: no window (a
    `row_number() over ()` keeps everything after it on one thread, twice the
    time of this model) and no CTE read twice (DuckDB would hold it in memory,
    whole).  The header is read by a second scan of the source that stops at
    the first record.

    The usual record (reference column order, 16 fields, nothing to trim,
    nothing wrong) takes the cheap branch of every CASE: fields are taken as
    columns rather than from a list of the record, trim() runs only when it
    can change a value, an interest spelled as in the taxonomy is taken
    without trim() or lower(), the line-break check searches all the fields
    joined, and the reject-reason list is built only for a record that has a
    reason (10M records: 24.9 -> 19.3 s for this model's SQL replayed on its
    own, every output row unchanged; the interest and line-break shortcuts
    are measured in bench/PERFORMANCE.md, "Where the time goes").
-#}

{%- set max_text_length = user_segmentation_number_var('max_text_length') -%}
{#- the 16 reference columns in order (seed raw_columns), their raw_* names, which are categories -#}
{%- set reference_columns = user_segmentation_reference_columns() -%}
{%- set category_columns = reference_columns | selectattr('is_category') | list -%}
{#- the path as given by var input_path, else the one the source reads (see _user_profiles__sources.yml) -#}
{%- set input_path = var('input_path', none) -%}
{#- a Parquet input has no header line: its header record is synthesised before its first row -#}
{%- set reads_parquet = 'read_parquet(' in (source('raw', 'user_profiles') | string) -%}
{%- set no_records_problem = (
    ' has no rows: expected at least one user' if reads_parquet
    else ' is empty: expected a header row and at least one user'
) -%}
{%- set file_label = "'input file ' || " ~ (
    user_segmentation_sql_string(input_path | string) if input_path is not none
    else "getvariable('user_segmentation_input')"
) -%}

with

source as (

    select * from {{ source('raw', 'user_profiles') }}

),

-- only whether a second record exists: the scan stops there
first_data_record as (

    select c01 from {{ source('raw', 'user_profiles') }}
    limit 1 offset 1  -- noqa: AM09

),

last_line as (

    select * from {{ source('raw', 'user_profiles_last_line') }}

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

-- The header names the columns.  They are matched to the reference names
-- ignoring case, blanks and punctuation (so `User_ID` is `User ID`; a
-- byte-order mark is ignored) and may come in any order.  A file that is
-- empty, has no data rows, lacks a reference column, names one twice or has a
-- column that is not a reference column stops the build with a message naming
-- the file and the column.  The header is the first record (file order is
-- kept, so a limit takes the first); the scan stops there.
header_record as (

    select * from {{ source('raw', 'user_profiles') }}
    limit 1  -- noqa: AM09

),

header_fields as (

    select
        substr(field_name, 2)::integer as field_position,
        found,
        regexp_replace(lower(found), '[^a-z0-9]', '', 'g') as found_key
    from (
        unpivot header_record
        on columns(*)
        into name field_name value found
    )

),

reference_columns as (

    select
        position,
        raw_column_name,
        column_name,
        regexp_replace(lower(raw_column_name), '[^a-z0-9]', '', 'g') as reference_key
    from raw_columns

),

column_matches as (

    select
        reference_columns.position,
        reference_columns.raw_column_name,
        reference_columns.column_name,
        coalesce(
            list(
                header_fields.field_position order by header_fields.field_position
            ) filter (where header_fields.field_position is not null),
            []
        ) as found_positions
    from reference_columns
    left join header_fields
        on reference_columns.reference_key = header_fields.found_key
    group by all

),

unknown_header_fields as (

    select header_fields.*
    from header_fields
    anti join reference_columns
        on header_fields.found_key = reference_columns.reference_key

),

record_presence as (

    select
        (select count(*) from header_record) as header_count,
        (select count(*) from first_data_record) as data_record_count

),

header_shape as (

    select coalesce(max(field_position), 0) as header_width
    from header_fields

),

column_positions as (

    -- the first header position of each reference column (null when missing)
    select map_from_entries(list((column_name, found_positions[1]))) as position_by_column
    from column_matches

),

column_problems as (

    select
        arg_min(raw_column_name, position) filter (where len(found_positions) = 0) as first_missing_column,
        arg_min(raw_column_name, position) filter (where len(found_positions) > 1) as first_repeated_column,
        arg_min(array_to_string(found_positions, ' and '), position) filter (
            where len(found_positions) > 1
        ) as repeated_positions
    from column_matches

),

unknown_columns as (

    select
        min(field_position) as first_unknown_position,
        arg_min(found, field_position) as first_unknown_name
    from unknown_header_fields

),

header_check as (

    select
        header_shape.header_width,
        {%- for name in reference_columns | map(attribute='name') %}
            column_positions.position_by_column['{{ name }}'] as {{ name }}_position,
        {%- endfor %}
        -- scalar subqueries, not a join: a join here would cost the file order
        -- of the records below
        {%- for i in range(1, 21) %}
            (
                select header_record.c{{ '%02d' % i }}
                from header_record
            ) as header_c{{ '%02d' % i }},
        {%- endfor %}
        case
            when record_presence.header_count = 0
                then error(
                    {{ file_label }} || {{ user_segmentation_sql_string(no_records_problem) }}
                )
            when column_problems.first_missing_column is not null
                then error(
                    {{ file_label }} || ': the header has no column '''
                    || column_problems.first_missing_column || ''''
                    || case
                        when unknown_columns.first_unknown_position is not null
                            then
                                ' (header column ' || unknown_columns.first_unknown_position::varchar
                                || ' is ''' || left(unknown_columns.first_unknown_name, 60)
                                || ''', which is not an expected column name)'
                        when column_problems.first_repeated_column is not null
                            then
                                ' (the column ''' || column_problems.first_repeated_column
                                || ''' appears more than once: columns '
                                || column_problems.repeated_positions || ')'
                        else
                            ' (the header has ' || header_shape.header_width::varchar
                            || ' columns, expected 16)'
                    end
                )
            when column_problems.first_repeated_column is not null
                then error(
                    {{ file_label }} || ': the column ''' || column_problems.first_repeated_column
                    || ''' appears more than once in the header (columns '
                    || column_problems.repeated_positions || ')'
                )
            when unknown_columns.first_unknown_position is not null
                then error(
                    {{ file_label }} || ': header column '
                    || unknown_columns.first_unknown_position::varchar
                    || ' is ''' || left(unknown_columns.first_unknown_name, 60)
                    || ''', which is not one of the 16 expected columns (the file has '
                    || header_shape.header_width::varchar || ' columns)'
                )
            when record_presence.data_record_count = 0
                then error(
                    {{ file_label }} || ' has a header but no data rows: expected at least one user'
                )
            else true
        end as is_header_valid
    from record_presence
    cross join header_shape
    cross join column_positions
    cross join column_problems
    cross join unknown_columns

),

records as (

    select
        -- the header itself (the first record) or a copy of it further down
        -- (field by field, an empty field equal to an empty field)
        (
            {%- for i in range(1, 21) %}
                {%- set column = 'c%02d' % i %}
                {{ 'and ' if not loop.first }}source.{{ column }} is not distinct from header_check.header_{{ column }}
            {%- endfor %}
        ) as is_header_copy,

        -- raw values as text, taken by header name: trimmed, empty as null
        {%- for column in reference_columns %}
            {%- set field = user_segmentation_field_at(
                'source', 'header_check.' ~ column.name ~ '_position', column.position
            ) %}
            nullif({{ user_segmentation_trim(field) }}, '') as {{ column.raw_name }},
        {%- endfor %}

        -- shape of the row: fields beyond the header, a 20th field (the reader
        -- keeps 20, so the row may have had even more), a line break inside a
        -- field (a quote left open swallowed the next line), and a last line
        -- the file ends inside a quoted value of (the file is cut off)
        case
            -- the usual case, decided without building a list
            when
                header_check.header_width = 16
                and source.c17 is null and source.c18 is null and source.c19 is null and source.c20 is null
                then []::varchar[]
            else list_filter(
                [
                    {%- for i in range(1, 21) -%}
                        source.c{{ '%02d' % i }}{{ ', ' if not loop.last }}
                    {%- endfor -%}
                ][header_check.header_width + 1:],
                lambda x: x is not null
            )
        end as raw_extra_fields,
        header_check.header_width,
        source.c20 is not null as has_more_fields_than_read,
        -- (searched once in all the fields joined: concat skips nulls, and a
        -- search per field was 40 calls per record)
        (
            {%- for line_break in ['chr(10)', 'chr(13)'] %}
                {{ 'or ' if not loop.first }}contains(
                    concat(
                        {%- for i in range(1, 21) %}
                            source.c{{ '%02d' % i }}{{ ',' if not loop.last }}
                        {%- endfor %}
                    ),
                    {{ line_break }}
                )
            {%- endfor %}
        ) as has_line_break,
        last_line.last_line_quote_count % 2 = 1 as is_last_line_open,
        header_check.top_interests_position = header_check.header_width as is_interests_last_column

    from source
    cross join header_check
    cross join last_line
    where header_check.is_header_valid

),

-- one row: per attribute, a map from the lower-case accepted value to its
-- reference spelling (a look-up per field instead of a join per attribute)
category_maps as (

    select
        {%- for attribute in category_columns | map(attribute='name') %}
            map_from_entries(
                list((lower(value), value)) filter (where attribute = '{{ attribute }}')
            ) as {{ attribute }},
            list(value) filter (where attribute = '{{ attribute }}') as {{ attribute }}__values,
        {%- endfor %}
        count(*) as category_value_count
    from category_values

),

interest_lookup as (

    select
        -- exact spelling -> itself: the usual case, without lower() or trim()
        map(list(interest_name), list(interest_name)) as exact_interest_names,
        map(list(lower(interest_name)), list(interest_name)) as interest_names
    from interest_taxonomy

),

-- Several interests written without quotes spill over into extra fields.
-- When Top Interests is the last column and every spilled field is a known
-- interest, they are read back into the interest list (an unambiguous repair);
-- anything else beyond the last column is an extra field and rejects the row.
reassembled as (

    select
        records.*,
        records.is_interests_last_column
        and len(records.raw_extra_fields) > 0
        and not records.has_more_fields_than_read
        and list_bool_and(
            list_transform(
                records.raw_extra_fields,
                lambda x: interest_lookup.interest_names[lower(trim(x))] is not null
            )
        ) as has_unquoted_interests
    from records
    cross join interest_lookup

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
        -- rates: a fraction, or a percent when written with a % sign (12.5% = 0.125)
        {{ user_segmentation_parse_rate('records.raw_click_through_rate') }} as click_through_rate,
        {{ user_segmentation_parse_rate('records.raw_conversion_rate') }} as conversion_rate,
        try_cast(records.raw_ad_interaction_seconds as double) as ad_interaction_seconds_number,

        -- categories: matched to the reference values case-insensitively
        {%- for column in category_columns %}
            case
                when list_contains(category_maps.{{ column.name }}__values, records.{{ column.raw_name }})
                    then records.{{ column.raw_name }}
                else category_maps.{{ column.name }}[lower(records.{{ column.raw_name }})]
            end as {{ column.name }},
        {%- endfor %}

        -- interests: split on commas, trimmed, spelled as in the taxonomy when
        -- known, duplicates within the row removed (first occurrence kept).
        -- The space after each comma is dropped before the split and a name
        -- spelled exactly as in the taxonomy is taken as it is, so trim() and
        -- lower() run only on the other names (coalesce evaluates its later
        -- arguments only where the earlier ones are null); the result is the
        -- same as trimming and looking up every name.
        list_filter(
            list_transform(
                string_split(
                    replace(
                        coalesce(records.raw_top_interests, '')
                        || case
                            when records.has_unquoted_interests
                                then ',' || array_to_string(records.raw_extra_fields, ',')
                            else ''
                        end,
                        ', ',
                        ','
                    ),
                    ','
                ),
                lambda x: coalesce(
                    interest_lookup.exact_interest_names[x],
                    interest_lookup.interest_names[lower(trim(x))],
                    trim(x)
                )
            ),
            lambda x: x <> ''
        ) as interest_list_with_repeats

    from reassembled as records
    cross join interest_lookup
    cross join category_maps

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
        -- the reasons as a list only for the rows that have one: coalesce
        -- stops at the first reason, and a clean row builds no list
        {%- set reasons -%}
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
                    'weekday_hours_online', 'raw_weekday_hours_online', 'weekday_hours_online', 0, user_segmentation_number_var('max_hours_per_day')
                ) }},
                {{ user_segmentation_reject_number(
                    'weekend_hours_online', 'raw_weekend_hours_online', 'weekend_hours_online', 0, user_segmentation_number_var('max_hours_per_day')
                ) }},
                {{ user_segmentation_reject_number(
                    'click_through_rate', 'raw_click_through_rate', 'click_through_rate', 0, 1
                ) }},
                {{ user_segmentation_reject_number(
                    'conversion_rate', 'raw_conversion_rate', 'conversion_rate', 0, 1
                ) }},
                {{ user_segmentation_reject_whole(
                    'ad_interaction_seconds', 'raw_ad_interaction_seconds',
                    'ad_interaction_seconds_number', 0, user_segmentation_number_var('max_ad_interaction_seconds')
                ) }},
                {{ user_segmentation_reject_category(
                    'income_level', 'raw_income_level', 'income_band'
                ) }},
                case
                    when len(interest_list_with_repeats) = 0
                        then 'top_interests: missing (no interest listed)'
                end,
                case
                    when len(list_filter(interest_list_with_repeats, lambda x: length(x) > {{ max_text_length }})) > 0
                        then 'top_interests: an interest name is longer than {{ max_text_length }} characters'
                end,
                case
                    when has_more_fields_than_read
                        then
                            'row: 20 or more fields, expected ' || header_width::varchar
                            || ' (extra: ''' || left(array_to_string(raw_extra_fields, ''', '''), 60) || ''')'
                    when len(raw_extra_fields) > 0 and not has_unquoted_interests
                        then
                            'row: ' || (header_width + len(raw_extra_fields))::varchar
                            || ' fields, expected ' || header_width::varchar || ' (extra: '''
                            || left(array_to_string(raw_extra_fields, ''', '''), 60) || ''')'
                end,
                case
                    when has_line_break
                        then
                            'row: a value contains a line break (a quote that is not closed '
                            || 'probably joined the next line(s) into this row)'
                end
        {%- endset %}
        case
            when
                coalesce(
                    {{ reasons | indent(4) }}
                ) is null
                then []::varchar[]
            else list_filter(
                [
                    {{ reasons | indent(4) }}
                ],
                lambda x: x is not null
            )
        end as record_reject_reasons

    from typed

),

-- the header (and any copy of it) has one reason, not one per field
header_marked as (

    select
        * exclude (record_reject_reasons),
        case
            when is_header_copy then ['row: the header line (the column names), not a user']
            else record_reject_reasons
        end as field_reject_reasons
    from checked

),

final as (

    select
        -- ids
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

        -- raw values, exactly as read (trimmed), kept for the records with a
        -- problem of their own only: the valid records' values are all in the
        -- typed columns. One list of the 16 fields in reference order
        -- (stg_user_profiles__parsed gives each its raw_* column back): a
        -- list that is null costs little to write, 16 text columns that are
        -- null cost a tenth of this model (10M records: 1.6 s of writing
        -- against 0.4 s)
        case
            when len(field_reject_reasons) > 0
                then [
                    {%- for column in reference_columns %}
                        {{ column.raw_name }}{{ ',' if not loop.last }}
                    {%- endfor %}
                ]
        end as raw_values,
        case when len(field_reject_reasons) > 0 then raw_extra_fields end as raw_extra_fields,

        -- validation
        field_reject_reasons,
        is_last_line_open

    from header_marked

)

select * from final
