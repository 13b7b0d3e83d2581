-- Every valid user (one row each in int_user_features_scaled) has a segment,
-- and every scored user is such a user. With user_id unique in
-- fct_user_segments (its primary-key test) that is exactly one segment per
-- user. Two anti joins, no aggregation, so it stays cheap at 10M users.
-- Returns the users in one table and not in the other.
with

user_features as (

    select * from {{ ref('int_user_features_scaled') }}

),

user_segments as (

    select * from {{ ref('fct_user_segments') }}

),

not_scored as (

    select
        user_features.user_id,
        'valid user without a segment' as problem
    from user_features
    anti join user_segments
        on user_features.user_id = user_segments.user_id

),

scored_but_not_valid as (

    select
        user_segments.user_id,
        'scored user that is not a valid user' as problem
    from user_segments
    anti join user_features
        on user_segments.user_id = user_features.user_id

),

final as (

    select * from not_scored
    union all
    select * from scored_but_not_valid

)

select * from final
