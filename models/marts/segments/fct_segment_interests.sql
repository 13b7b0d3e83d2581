-- One row per segment x known interest (all 16 of the taxonomy, zero shares
-- kept): the share of the segment's users who list the interest, the share in
-- the population, the lift and the standardised difference.
with

members as (

    select * from {{ ref('int_segment_members') }}

),

population as (

    select * from {{ ref('int_segment_population') }}

),

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

-- the bit of each known interest in the users' interest_mask
interest_bits as (

    select * from {{ interest_bit_rows() }}

),

-- users per segment and distinct interest mask (a mask is a set of known
-- interests): bounded by the segments x the sets users list, not by the number
-- of users (at 1M users a few thousand rows)
mask_counts as (

    select
        segment_id,
        interest_mask,
        count(*) as users
    from members
    group by segment_id, interest_mask

),

-- each mask's users counted once for every interest in the mask
segment_counts as (

    select
        mask_counts.segment_id,
        interest_bits.interest_id,
        sum(mask_counts.users)::bigint as users_with_interest
    from mask_counts
    inner join interest_bits
        on (mask_counts.interest_mask & interest_bits.interest_bit) != 0
    group by mask_counts.segment_id, interest_bits.interest_id

),

-- from the segment counts, not a second pass over the users
population_counts as (

    select
        interest_id,
        sum(users_with_interest)::bigint as population_users_with_interest
    from segment_counts
    group by interest_id

),

shares as (

    select
        population.segment_id,
        interest_taxonomy.interest_id,
        interest_taxonomy.interest_name,
        interest_taxonomy.interest_category_id,
        interest_taxonomy.interest_category,
        population.segment_size,
        coalesce(segment_counts.users_with_interest, 0) as users_with_interest,
        coalesce(population_counts.population_users_with_interest, 0) as population_users_with_interest,
        coalesce(segment_counts.users_with_interest, 0) / population.segment_size as share_in_segment,
        coalesce(population_counts.population_users_with_interest, 0) / population.population_size
            as share_in_population
    from population
    cross join interest_taxonomy
    left join segment_counts
        on
            population.segment_id = segment_counts.segment_id
            and interest_taxonomy.interest_id = segment_counts.interest_id
    left join population_counts
        on interest_taxonomy.interest_id = population_counts.interest_id

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
        segment_id || ':' || interest_id as segment_interest_id,
        segment_id,
        interest_id,
        interest_category_id,

        -- strings
        interest_name,
        interest_category,

        -- numerics
        segment_size,
        users_with_interest,
        population_users_with_interest,
        round(share_in_segment, 9) as share_in_segment,
        round(share_in_population, 9) as share_in_population,
        round(lift, 6) as lift,
        round(standardized_difference, 6) as standardized_difference,
        row_number() over (
            partition by segment_id
            order by lift desc nulls last, share_in_segment desc, interest_id asc
        ) as lift_rank

    from measured

)

select * from final
