-- STUB: replaced when issue 4 lands
-- A stand-in for the segment assignment of issue 4 (same name and the
-- contract's columns): every user is put in one of 5 groups by a deterministic
-- hash of the user id. It has no meaning; it only lets the profiles and
-- campaign models be built and tested. Delete this file when issue 4 is merged.
with

features as (

    select * from {{ ref('fct_user_features') }}

),

hashed as (

    select
        user_id,
        ('0x' || substr(sha256('stub-segment:' || user_id::varchar), 1, 12))::bigint as user_hash
    from features

),

final as (

    select
        -- ids
        user_id,
        (user_hash % 5)::integer as segment_id,
        ((user_hash + 1) % 5)::integer as second_segment_id,

        -- numerics
        null::double as distance_to_centroid,
        null::double as second_distance,
        null::double as assignment_margin

    from hashed

)

select * from final
