-- One row per segment plus one population row: the number of users, used as
-- the denominator of every share.
with

-- not materialized: read more than once, and recomputing only the columns
-- each reader needs is cheaper than holding every user in memory
members as not materialized (

    select * from {{ ref('int_segment_members') }}

),

per_segment as (

    select
        segment_id,
        count(*) as segment_size
    from members
    group by segment_id

),

population as (

    select count(*) as population_size
    from members

),

final as (

    select
        -- ids
        per_segment.segment_id,

        -- numerics
        per_segment.segment_size,
        population.population_size,
        per_segment.segment_size / population.population_size as share_of_users

    from per_segment
    cross join population

)

select * from final
