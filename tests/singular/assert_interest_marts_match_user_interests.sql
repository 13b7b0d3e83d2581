-- The interest marts agree with stg_user_interests, counted independently:
-- users per interest (dim_interests) and users with at least one interest of
-- a category (dim_interest_categories, which counts the has_<category>_interest
-- flags of fct_user_features). Returns one row per disagreement.
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
        count(distinct user_id) as users
    from user_interests
    where is_known_interest
    group by interest_id

),

expected_category_users as (

    select
        interest_category_id,
        count(distinct user_id) as users
    from user_interests
    where is_known_interest
    group by interest_category_id

),

failures as (

    select
        'interest' as level,
        interests.interest_id as id,
        interests.users,
        coalesce(expected_interest_users.users, 0) as expected_users
    from interests
    full outer join expected_interest_users
        on interests.interest_id = expected_interest_users.interest_id
    where interests.users is distinct from coalesce(expected_interest_users.users, 0)

    union all

    select
        'interest_category' as level,
        interest_categories.interest_category_id as id,
        interest_categories.users,
        coalesce(expected_category_users.users, 0) as expected_users
    from interest_categories
    full outer join expected_category_users
        on interest_categories.interest_category_id = expected_category_users.interest_category_id
    where interest_categories.users is distinct from coalesce(expected_category_users.users, 0)

)

select * from failures
