-- Interest popularity: one row per interest of the taxonomy, with the number
-- and share of users who list it and its rank (1 = most listed).

with

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

user_interests as (

    select * from {{ ref('stg_user_interests') }}

),

users as (

    select * from {{ ref('stg_user_profiles') }}

),

population as (

    select count(*) as total_users from users

),

interest_users as (

    select
        interest_id,
        count(*) as users
    from user_interests
    where is_known_interest
    group by interest_id

),

counted as (

    select
        interest_taxonomy.interest_id,
        interest_taxonomy.interest_name,
        interest_taxonomy.interest_category_id,
        interest_taxonomy.interest_category,
        coalesce(interest_users.users, 0) as users,
        population.total_users
    from interest_taxonomy
    left join interest_users
        on interest_taxonomy.interest_id = interest_users.interest_id
    cross join population

),

final as (

    select
        -- ids
        interest_id,
        interest_category_id,

        -- strings
        interest_name,
        interest_category,

        -- numerics
        users,
        users / nullif(total_users, 0) as share_of_users,
        rank() over (order by users desc) as popularity_rank,
        rank() over (partition by interest_category_id order by users desc) as rank_in_category

    from counted

)

select * from final
order by popularity_rank, interest_name
