-- Every valid user has exactly one segment and every scored user is valid:
-- returns the users staged but not scored, or scored more than once.
with

users as (

    select * from {{ ref('stg_user_profiles') }}

),

user_segments as (

    select * from {{ ref('fct_user_segments') }}

),

segment_counts as (

    select
        users.user_id,
        count(user_segments.user_id) as segment_rows
    from users
    left join user_segments
        on users.user_id = user_segments.user_id
    group by users.user_id

),

scored_but_not_staged as (

    select
        user_segments.user_id,
        0 as segment_rows
    from user_segments
    anti join users
        on user_segments.user_id = users.user_id

),

final as (

    select * from segment_counts
    where segment_rows != 1
    union all
    select * from scored_but_not_staged

)

select * from final
