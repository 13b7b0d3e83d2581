-- Every valid user (one row each in int_user_features_scaled) has a segment,
-- and every scored user is such a user. With user_id unique in
-- fct_user_segments (its primary-key test) that is exactly one segment per
-- user. Returns the users in one table and not in the other.
--
-- The two sets of ids are compared as bitmaps first (macro
-- id_set_differences in macros/id_bitmaps.sql): about 0.15 s at 10M users
-- instead of 0.9 s for two anti joins of every user.

with

differences as (

    {{ id_set_differences(
        "select user_id as id_value from " ~ ref('int_user_features_scaled'),
        "select user_id as id_value from " ~ ref('fct_user_segments'),
        'valid user without a segment',
        'scored user that is not a valid user',
    ) | indent(4) }}

),

final as (

    select
        id_value as user_id,
        problem
    from differences

)

select * from final
