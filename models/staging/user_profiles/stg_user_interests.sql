{#-
    A view: the exact unnest of stg_user_profiles.top_interests joined to the
    taxonomy.  As a table it was about 2.5 rows per user, the second-largest
    write of the build (20 s at 10M users) for a model that two marts and the
    analyses read once each; unnesting when read costs less.  It reads the
    taxonomy from stg_reference__interest_taxonomy, not from the seed (a view
    must not name the `reference` schema: see that model).
-#}

{{ config(materialized='view') }}

with

users as (

    select * from {{ ref('stg_user_profiles') }}

),

interest_taxonomy as (

    select * from {{ ref('stg_reference__interest_taxonomy') }}

),

user_interests as (

    select
        user_id,
        unnest(top_interests) as interest_name,
        generate_subscripts(top_interests, 1) as interest_position
    from users

),

final as (

    select
        -- ids
        user_interests.user_id || ':' || coalesce(
            interest_taxonomy.interest_id, 'unknown:' || lower(user_interests.interest_name)
        ) as user_interest_id,
        user_interests.user_id,
        interest_taxonomy.interest_id,
        interest_taxonomy.interest_category_id,

        -- strings
        user_interests.interest_name,
        coalesce(interest_taxonomy.interest_category, 'Unknown') as interest_category,

        -- numerics
        user_interests.interest_position,

        -- booleans
        interest_taxonomy.interest_id is not null as is_known_interest

    from user_interests
    left join interest_taxonomy
        on user_interests.interest_name = interest_taxonomy.interest_name

)

select * from final
