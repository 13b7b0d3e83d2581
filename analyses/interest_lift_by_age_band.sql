-- Which interests over-index in each age band? Share of the band's users who
-- list the interest, and its lift against all users (1.5 = 50 % more likely).
with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

user_interests as (

    select * from {{ ref('stg_user_interests') }}

),

interests as (

    select * from {{ ref('dim_interests') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

band_users as (

    select
        age_band,
        count(*) as users
    from user_features
    group by age_band

),

band_interest_users as (

    select
        user_features.age_band,
        user_interests.interest_id,
        count(*) as users
    from user_interests
    inner join user_features
        on user_interests.user_id = user_features.user_id
    where user_interests.is_known_interest
    group by user_features.age_band, user_interests.interest_id

),

final as (

    select
        band_interest_users.age_band,
        interests.interest_name,
        band_interest_users.users,
        round(band_interest_users.users / band_users.users, 3) as share_of_band,
        round(interests.share_of_users, 3) as share_of_all_users,
        round(band_interest_users.users / band_users.users / interests.share_of_users, 2) as lift,
        category_values.sort_order as age_band_order
    from band_interest_users
    inner join band_users
        on band_interest_users.age_band = band_users.age_band
    inner join interests
        on band_interest_users.interest_id = interests.interest_id
    inner join category_values
        on
            category_values.attribute = 'age_band'
            and band_interest_users.age_band = category_values.value

)

select * from final
order by age_band_order asc, lift desc
