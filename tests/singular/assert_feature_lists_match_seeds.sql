-- The fixed lists the feature models are written against (macros/feature_lists.sql
-- and the category levels of the var model_features) agree with the seeds:
-- a new interest category, attribute or level in a seed must be added there.
-- So does the parse's compile-time list of the 16 input columns
-- (user_segmentation_reference_columns: name, position, category or not)
-- with seeds/reference/raw_columns.csv.
-- Returns one row per difference.
{%- set category_levels = [] %}
{%- for dimension in model_feature_dimensions() if dimension.feature_kind == 'category_level' %}
    {%- do category_levels.append(dimension) %}
{%- endfor %}
{%- set used_attributes = category_levels | map(attribute='source_column') | unique | list %}

with

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

listed_interest_categories as (

    select unnest({{ interest_category_ids() }}::varchar[]) as interest_category_id

),

listed_attributes as (

    select unnest({{ categorical_attributes() }}::varchar[]) as attribute

),

listed_levels as (

    {%- if category_levels %}
        {%- for dimension in category_levels %}
            select
                '{{ dimension.source_column }}' as attribute,
                {{ sql_string_or_null(dimension.category_level) }} as value
            {{ 'union all' if not loop.last }}
        {%- endfor %}
    {%- else %}
        select
            null::varchar as attribute,
            null::varchar as value
        where false
    {%- endif %}

),

seed_levels_of_used_attributes as (

    select
        attribute,
        value
    from category_values
    where attribute in (
        {%- for attribute in used_attributes %}
            '{{ attribute }}',
        {%- endfor %}
        ''
    )

),

raw_columns as (

    select * from {{ ref('raw_columns') }}

),

seed_reference_columns as (

    select
        column_name || ' at ' || position::varchar
        || case when data_type = 'category' then ' (category)' else '' end as name
    from raw_columns

),

listed_reference_columns as (

    select
        unnest([
            {%- for column in user_segmentation_reference_columns() %}
                {%- set kind = ' (category)' if column.is_category else '' %}
                '{{ column.name }} at {{ column.position }}{{ kind }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ]) as name

),

differences as (

    (
        select
            'interest category' as kind,
            interest_category_id as name
        from interest_taxonomy
        except
        select
            'interest category' as kind,
            interest_category_id as name
        from listed_interest_categories
    )
    union all
    (
        select
            'interest category' as kind,
            interest_category_id as name
        from listed_interest_categories
        except
        select
            'interest category' as kind,
            interest_category_id as name
        from interest_taxonomy
    )
    union all
    (
        select
            'categorical attribute' as kind,
            attribute as name
        from category_values
        except
        select
            'categorical attribute' as kind,
            attribute as name
        from listed_attributes
    )
    union all
    (
        select
            'categorical attribute' as kind,
            attribute as name
        from listed_attributes
        except
        select
            'categorical attribute' as kind,
            attribute as name
        from category_values
    )
    union all
    (
        select
            'model_features level' as kind,
            attribute || ' = ' || value as name
        from seed_levels_of_used_attributes
        except
        select
            'model_features level' as kind,
            attribute || ' = ' || value as name
        from listed_levels
    )
    union all
    (
        select
            'model_features level' as kind,
            attribute || ' = ' || value as name
        from listed_levels
        except
        select
            'model_features level' as kind,
            attribute || ' = ' || value as name
        from seed_levels_of_used_attributes
    )
    union all
    (
        select
            'reference column' as kind,
            name
        from seed_reference_columns
        except
        select
            'reference column' as kind,
            name
        from listed_reference_columns
    )
    union all
    (
        select
            'reference column' as kind,
            name
        from listed_reference_columns
        except
        select
            'reference column' as kind,
            name
        from seed_reference_columns
    )

)

select * from differences
