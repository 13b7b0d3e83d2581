-- Every valid user (one row each in int_user_features_scaled) has a segment,
-- and every scored user is such a user. With user_id unique in
-- fct_user_segments (its primary-key test) that is exactly one segment per
-- user. Returns the users in one table and not in the other.
--
-- The two sets of ids are first compared as bitmaps (one bit per id from the
-- smallest id of either table on, in blocks: macros/id_bitmaps.sql, as in
-- the primary_key test): equal bitmaps mean the same users, so only the ids
-- beyond the bitmaps are compared one by one, and every id is when the
-- bitmaps differ. 10M users: about 0.15 s instead of 0.9 s for two anti
-- joins of every user.

with

-- not materialized: each read three times; held in memory, every user id
user_features as not materialized (

    select user_id from {{ ref('int_user_features_scaled') }}

),

user_segments as not materialized (

    select user_id from {{ ref('fct_user_segments') }}

),

smallest as materialized (

    select
        least(
            (select min(user_id) from user_features),
            (select min(user_id) from user_segments)
        ) as smallest_user_id

),

{#- the same two steps for each side: ids as offsets, then one bitmap per block #}
{%- for side, ids in [('feature', 'user_features'), ('segment', 'user_segments')] %}

    -- (as HUGEINT: the distance between two BIGINTs may not fit one)
    {{ side }}_offsets as not materialized (

        select
            {{ ids }}.user_id,
            {{ ids }}.user_id::hugeint - smallest.smallest_user_id as id_offset
        from {{ ids }}
        cross join smallest

    ),

    -- one bitmap per block of ids that has an id
    {{ side }}_blocks as (

        select
            {{ id_bitmap_block('id_offset') }} as block_number,
            {{ id_bitmap_bits('id_offset') }} as id_bits
        from {{ side }}_offsets
        where id_offset < {{ id_bitmap_limit() }}
        group by block_number

    ),
{%- endfor %}

-- one row: whether the bitmaps differ (a block on one side only, or bits set
-- on one side only: xor and bit_count are about ten times faster than
-- comparing the bitmaps)
comparison as materialized (

    select
        coalesce(
            bool_or(
                feature_blocks.id_bits is null
                or segment_blocks.id_bits is null
                or bit_count(xor(feature_blocks.id_bits, segment_blocks.id_bits)) > 0
            ),
            false
        ) as bitmaps_differ
    from feature_blocks
    full outer join segment_blocks
        on feature_blocks.block_number = segment_blocks.block_number

),

-- the ids to compare one by one: those beyond the bitmaps, or all of them
-- when the bitmaps differ (an id beyond the bitmap in one table is beyond it
-- in the other, so comparing these with each other is enough)
feature_candidates as (

    select feature_offsets.user_id
    from feature_offsets
    cross join comparison
    where feature_offsets.id_offset >= {{ id_bitmap_limit() }} or comparison.bitmaps_differ

),

segment_candidates as (

    select segment_offsets.user_id
    from segment_offsets
    cross join comparison
    where segment_offsets.id_offset >= {{ id_bitmap_limit() }} or comparison.bitmaps_differ

),

not_scored as (

    select
        feature_candidates.user_id,
        'valid user without a segment' as problem
    from feature_candidates
    anti join segment_candidates
        on feature_candidates.user_id = segment_candidates.user_id

),

scored_but_not_valid as (

    select
        segment_candidates.user_id,
        'scored user that is not a valid user' as problem
    from segment_candidates
    anti join feature_candidates
        on segment_candidates.user_id = feature_candidates.user_id

),

final as (

    select * from not_scored
    union all
    select * from scored_but_not_valid

)

select * from final
