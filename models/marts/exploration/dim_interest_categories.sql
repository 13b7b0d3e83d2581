-- Interest category popularity: one row per interest category, with the
-- number and share of users who list at least one of its interests.

{%- set category_ids = interest_category_ids() %}

with

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

interests as (

    select * from {{ ref('dim_interests') }}

),

user_features as (

    select * from {{ ref('fct_user_features') }}

),

-- one pass over the users: users with at least one interest of each category
category_flags as (

    select
        {%- for category_id in category_ids %}
            count(*) filter (where has_{{ category_id }}_interest) as {{ category_id }}__users,
        {%- endfor %}
        count(*) as total_users
    from user_features

),

category_users as (

    {%- for category_id in category_ids %}
        select
            '{{ category_id }}' as interest_category_id,
            {{ category_id }}__users as users,
            total_users
        from category_flags
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

categories as (

    select
        interest_category_id,
        min(interest_category) as interest_category,
        count(*) as interests
    from interest_taxonomy
    group by interest_category_id

),

category_mentions as (

    select
        interest_category_id,
        sum(users)::bigint as interest_mentions
    from interests
    group by interest_category_id

),

final as (

    select
        -- ids
        categories.interest_category_id,

        -- strings
        categories.interest_category,

        -- numerics
        categories.interests,
        coalesce(category_users.users, 0) as users,
        coalesce(category_users.users, 0) / nullif(category_users.total_users, 0) as share_of_users,
        coalesce(category_mentions.interest_mentions, 0) as interest_mentions,
        rank() over (order by coalesce(category_users.users, 0) desc) as popularity_rank

    from categories
    left join category_users
        on categories.interest_category_id = category_users.interest_category_id
    left join category_mentions
        on categories.interest_category_id = category_mentions.interest_category_id

)

select * from final
order by popularity_rank, interest_category_id
