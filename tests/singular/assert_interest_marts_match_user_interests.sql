-- The interest marts agree with stg_user_interests: users per interest in
-- dim_interests equal the user x interest rows counted independently (a user
-- lists an interest at most once: user_interest_id is unique), and the users
-- of a category in dim_interest_categories (counted from the
-- has_<category>_interest flags of fct_user_features) lie between its most
-- listed interest's users and the sum over its interests. The category bounds
-- are cheap necessary conditions; the flag logic itself is unit-tested.
-- Returns one row per disagreement.
with

user_interests as (

    select * from {{ ref('stg_user_interests') }}

),

interests as (

    select * from {{ ref('dim_interests') }}

),

interest_categories as (

    select * from {{ ref('dim_interest_categories') }}

),

expected_interest_users as (

    select
        interest_id,
        count(*) as users
    from user_interests
    where is_known_interest
    group by interest_id

),

category_bounds as (

    select
        interest_category_id,
        max(users) as min_users,
        sum(users) as max_users
    from interests
    group by interest_category_id

),

failures as (

    select
        'interest' as level,
        interests.interest_id as id,
        interests.users,
        coalesce(expected_interest_users.users, 0) as min_users,
        coalesce(expected_interest_users.users, 0) as max_users
    from interests
    full outer join expected_interest_users
        on interests.interest_id = expected_interest_users.interest_id
    where interests.users is distinct from coalesce(expected_interest_users.users, 0)

    union all

    select
        'interest_category' as level,
        interest_categories.interest_category_id as id,
        interest_categories.users,
        category_bounds.min_users,
        category_bounds.max_users
    from interest_categories
    full outer join category_bounds
        on interest_categories.interest_category_id = category_bounds.interest_category_id
    where
        interest_categories.users is null
        or category_bounds.min_users is null
        or interest_categories.users < category_bounds.min_users
        or interest_categories.users > category_bounds.max_users

)

select * from failures
