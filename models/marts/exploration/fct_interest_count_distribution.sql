-- How many interests users list: one row per interest count (1..max).

with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

counts as (

    select
        interest_count,
        count(*) as users
    from user_features
    group by interest_count

),

final as (

    select
        -- ids
        interest_count,

        -- numerics
        users,
        users / sum(users) over () as share_of_users,
        sum(users) over (
            order by interest_count rows between unbounded preceding and current row
        ) / sum(users) over () as cumulative_share_of_users

    from counts

)

select * from final
order by interest_count
