-- The segments' shares of users sum to 1 and their user counts to the number
-- of scored users. Returns a row when they do not.
with

segment_stability as (

    select * from {{ ref('fct_segment_stability') }}

),

user_segments as (

    select * from {{ ref('fct_user_segments') }}

),

totals as (

    select
        sum(share_of_users) as total_share,
        sum(user_count) as total_users
    from segment_stability

),

final as (

    select
        totals.total_share,
        totals.total_users,
        (select count(*) from user_segments) as scored_users
    from totals
    where
        abs(totals.total_share - 1) > 1e-9
        or totals.total_users != (select count(*) from user_segments)

)

select * from final
