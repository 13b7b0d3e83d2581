-- One row per segment x demographic attribute x accepted value (values no
-- member has are kept with a zero share): the value's share in the segment,
-- in the population, the lift and the standardised difference.
with

members as (

    select * from {{ ref('int_segment_members') }}

),

population as (

    select * from {{ ref('int_segment_population') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

attribute_values as (

    select
        attribute,
        value as attribute_value,
        sort_order as value_sort_order
    from category_values
    where list_contains({{ "['" ~ (segment_profile_attributes() | join("', '")) ~ "']" }}, attribute)

),

-- one pass over the users: a grouping set per attribute counts each
-- (segment, value) pair; only the small result is unpivoted
grouped as (

    select
        segment_id,
        {%- for attribute in segment_profile_attributes() %}
            grouping({{ attribute }}) = 0 as is_{{ attribute }},
            {{ attribute }},
        {%- endfor %}
        count(*) as users_with_value
    from members
    group by grouping sets ( -- noqa: PRS
        {%- for attribute in segment_profile_attributes() %}
            (segment_id, {{ attribute }}){{ ',' if not loop.last }}
        {%- endfor %}
    )

),

segment_counts as (

    select
        segment_id,
        case
            {%- for attribute in segment_profile_attributes() %}
                when is_{{ attribute }} then '{{ attribute }}'
            {%- endfor %}
        end as attribute,
        case
            {%- for attribute in segment_profile_attributes() %}
                when is_{{ attribute }} then {{ attribute }}
            {%- endfor %}
        end as attribute_value,
        users_with_value
    from grouped

),

-- from the segment counts, not a second pass over the users
population_counts as (

    select
        attribute,
        attribute_value,
        sum(users_with_value)::bigint as population_users_with_value
    from segment_counts
    group by attribute, attribute_value

),

shares as (

    select
        population.segment_id,
        attribute_values.attribute,
        attribute_values.attribute_value,
        attribute_values.value_sort_order,
        population.segment_size,
        coalesce(segment_counts.users_with_value, 0) as users_with_value,
        coalesce(population_counts.population_users_with_value, 0) as population_users_with_value,
        coalesce(segment_counts.users_with_value, 0) / population.segment_size as share_in_segment,
        coalesce(population_counts.population_users_with_value, 0) / population.population_size
            as share_in_population
    from population
    cross join attribute_values
    left join segment_counts
        on
            population.segment_id = segment_counts.segment_id
            and attribute_values.attribute = segment_counts.attribute
            and attribute_values.attribute_value = segment_counts.attribute_value
    left join population_counts
        on
            attribute_values.attribute = population_counts.attribute
            and attribute_values.attribute_value = population_counts.attribute_value

),

measured as (

    select
        *,
        {{ share_lift() }} as lift,
        {{ share_standardized_difference() }} as standardized_difference
    from shares

),

final as (

    select
        -- ids
        segment_id || ':' || attribute || ':' || attribute_value as segment_attribute_id,
        segment_id,

        -- strings
        attribute,
        attribute_value,

        -- numerics
        value_sort_order,
        segment_size,
        users_with_value,
        population_users_with_value,
        round(share_in_segment, 9) as share_in_segment,
        round(share_in_population, 9) as share_in_population,
        round(lift, 6) as lift,
        round(standardized_difference, 6) as standardized_difference,
        row_number() over (
            partition by segment_id, attribute
            order by standardized_difference desc nulls last, lift desc nulls last, value_sort_order asc
        ) as over_representation_rank

    from measured

)

select * from final
