-- One row per valid user: the staged attributes plus derived engagement
-- features. The formulas are documented in _features__docs.md and unit-tested
-- in _features__unit_tests.yml.

with

users as (

    select * from {{ ref('stg_user_profiles') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

interest_taxonomy as (

    select * from {{ ref('interest_taxonomy') }}

),

-- one row: maps from interest name to interest category id and to interest id
interest_categories as (

    select
        map_from_entries(list((interest_name, interest_category_id))) as category_by_interest,
        map_from_entries(list((interest_name, interest_id))) as id_by_interest
    from interest_taxonomy

),

-- the category of each of the user's interests (null for an unknown interest);
-- a constant-list lookup per user is much cheaper than list_has_any against
-- a list that comes from another table
user_interest_categories as (

    select
        users.*,
        list_transform(
            users.top_interests,
            lambda x: map_extract_value(interest_categories.category_by_interest, x)
        ) as interest_category_ids,
        -- known interests only (an unknown name maps to null and is left
        -- out), in the user's order; each is there once because staging
        -- removed repeats (a list_distinct + list_sort here cost 5 s at 10M)
        list_filter(
            list_transform(
                users.top_interests,
                lambda x: map_extract_value(interest_categories.id_by_interest, x)
            ),
            lambda x: x is not null
        ) as interest_ids
    from users
    cross join interest_categories

),

age_midpoints as (

    select
        value as age_band,
        midpoint as age_midpoint_years
    from category_values
    where attribute = 'age_band'

),

income_midpoints as (

    select
        value as income_band,
        midpoint as income_midpoint
    from category_values
    where attribute = 'income_band'

),

derived as (

    select
        -- ids
        users.user_id,

        -- demographics
        users.age_band,
        age_midpoints.age_midpoint_years,
        users.gender,
        users.location,
        users.language,
        users.education_level,
        users.income_band,
        income_midpoints.income_midpoint,

        -- devices
        users.device_usage,

        -- social activity
        users.likes_and_reactions,
        users.followed_accounts,
        users.likes_and_reactions / nullif(users.followed_accounts, 0) as likes_per_followed_account,

        -- time online
        users.weekday_hours_online,
        users.weekend_hours_online,
        {{ weekly_hours_online('users') }} as weekly_hours_online,
        2 * users.weekend_hours_online
        / nullif(5 * users.weekday_hours_online + 2 * users.weekend_hours_online, 0) as weekend_share_of_time,

        -- ad interaction
        users.click_through_rate,
        users.conversion_rate,
        users.click_through_rate * users.conversion_rate as expected_conversions_per_impression,
        users.ad_interaction_seconds,

        -- interests
        users.interest_count,
        users.interest_ids,

        -- booleans
        {%- for category_id in interest_category_ids() %}
            list_contains(users.interest_category_ids, '{{ category_id }}') as has_{{ category_id }}_interest,
        {%- endfor %}
        users.device_usage in ('Mobile Only', 'Mobile + Desktop') as uses_mobile,
        users.device_usage in ('Desktop Only', 'Mobile + Desktop') as uses_desktop,
        users.device_usage = 'Tablet' as uses_tablet

    from user_interest_categories as users
    left join age_midpoints
        on users.age_band = age_midpoints.age_band
    left join income_midpoints
        on users.income_band = income_midpoints.income_band

),

-- percentile ranks for the engagement score: percent_rank() computed on the
-- distinct values of each input (users with a smaller value / (users - 1)),
-- which is exact and sorts only the distinct values instead of every user.
-- The value counts read the staged columns directly (one narrow scan each):
-- reading `derived` five times would make DuckDB hold it whole in memory.
population as (

    select count(*) as users from {{ ref('stg_user_profiles') }}

),

-- one branch per input of the engagement score: its distinct values and how
-- many users have each
value_counts as (

    {%- set score_inputs = {
        'weekly_hours_online': weekly_hours_online('staged'),
        'likes_and_reactions': 'staged.likes_and_reactions',
        'click_through_rate': 'staged.click_through_rate',
        'conversion_rate': 'staged.conversion_rate',
        'ad_interaction_seconds': 'staged.ad_interaction_seconds',
    } %}
    {%- for score_input, expression in score_inputs.items() %}
        select
            '{{ score_input }}' as score_input,
            ({{ expression }})::double as input_value,
            count(*) as users
        from {{ ref('stg_user_profiles') }} as staged
        group by input_value
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

percent_ranks as (

    select
        value_counts.score_input,
        value_counts.input_value,
        case
            when population.users > 1
                then coalesce(
                    sum(value_counts.users) over (
                        partition by value_counts.score_input
                        order by value_counts.input_value
                        rows between unbounded preceding and 1 preceding
                    ),
                    0
                ) / (population.users - 1)
            else 0
        end as percent_rank
    from value_counts
    cross join population

),

final as (

    select
        derived.*,
        (
            weekly_hours_ranks.percent_rank
            + likes_ranks.percent_rank
            + click_through_rate_ranks.percent_rank
            + conversion_rate_ranks.percent_rank
            + ad_interaction_ranks.percent_rank
        ) / 5 as engagement_score
    from derived
    left join percent_ranks as weekly_hours_ranks
        on
            weekly_hours_ranks.score_input = 'weekly_hours_online'
            and derived.weekly_hours_online = weekly_hours_ranks.input_value
    left join percent_ranks as likes_ranks
        on
            likes_ranks.score_input = 'likes_and_reactions'
            and derived.likes_and_reactions = likes_ranks.input_value
    left join percent_ranks as click_through_rate_ranks
        on
            click_through_rate_ranks.score_input = 'click_through_rate'
            and derived.click_through_rate = click_through_rate_ranks.input_value
    left join percent_ranks as conversion_rate_ranks
        on
            conversion_rate_ranks.score_input = 'conversion_rate'
            and derived.conversion_rate = conversion_rate_ranks.input_value
    left join percent_ranks as ad_interaction_ranks
        on
            ad_interaction_ranks.score_input = 'ad_interaction_seconds'
            and derived.ad_interaction_seconds = ad_interaction_ranks.input_value

)

select * from final
