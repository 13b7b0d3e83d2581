-- Which interests go together? Pairs of interests listed by the same user,
-- with the lift of the pair (observed users / users expected if the two were
-- independent): above 1 means they are listed together more than by chance.
with

user_interests as (

    select * from {{ ref('stg_user_interests') }}

),

interests as (

    select * from {{ ref('dim_interests') }}

),

users as (

    select count(*) as total_users from {{ ref('fct_user_features') }}

),

pairs as (

    select
        first_interest.interest_id as first_interest_id,
        second_interest.interest_id as second_interest_id,
        count(*) as users
    from user_interests as first_interest
    inner join user_interests as second_interest
        on
            first_interest.user_id = second_interest.user_id
            and first_interest.interest_id < second_interest.interest_id
    where first_interest.is_known_interest and second_interest.is_known_interest
    group by first_interest.interest_id, second_interest.interest_id

),

final as (

    select
        first_interests.interest_name as first_interest,
        second_interests.interest_name as second_interest,
        pairs.users,
        round(
            pairs.users / (first_interests.share_of_users * second_interests.share_of_users * users.total_users),
            2
        ) as lift
    from pairs
    inner join interests as first_interests
        on pairs.first_interest_id = first_interests.interest_id
    inner join interests as second_interests
        on pairs.second_interest_id = second_interests.interest_id
    cross join users

)

select * from final
order by lift desc, users desc, first_interest asc, second_interest asc
