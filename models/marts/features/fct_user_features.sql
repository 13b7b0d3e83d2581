-- One row per valid user: the staged attributes plus derived engagement
-- features. The formulas are documented in _features__docs.md and unit-tested
-- in _features__unit_tests.yml.

{%- set score_inputs = engagement_score_inputs() %}

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

-- one row: for each interest category, the list of its interest names
category_interest_lists as (

    select
        {%- for category_id in interest_category_ids() %}
            list(interest_name order by interest_name) filter (
                where interest_category_id = '{{ category_id }}'
            ) as {{ category_id }}_interests,
        {%- endfor %}
    from interest_taxonomy

),

age_midpoints as (

    select
        value as age_band,
        midpoint as age_midpoint_years,
    from category_values
    where attribute = 'age_band'

),

income_midpoints as (

    select
        value as income_band,
        midpoint as income_midpoint,
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
        5 * users.weekday_hours_online + 2 * users.weekend_hours_online as weekly_hours_online,
        2 * users.weekend_hours_online
        / nullif(5 * users.weekday_hours_online + 2 * users.weekend_hours_online, 0) as weekend_share_of_time,

        -- ad interaction
        users.click_through_rate,
        users.conversion_rate,
        users.click_through_rate * users.conversion_rate as expected_conversions_per_impression,
        users.ad_interaction_seconds,

        -- interests
        users.interest_count,

        -- booleans
        users.device_usage in ('Mobile Only', 'Mobile + Desktop') as uses_mobile,
        users.device_usage in ('Desktop Only', 'Mobile + Desktop') as uses_desktop,
        users.device_usage = 'Tablet' as uses_tablet,
        {%- for category_id in interest_category_ids() %}
            list_has_any(
                users.top_interests, category_interest_lists.{{ category_id }}_interests
            ) as has_{{ category_id }}_interest,
        {%- endfor %}

    from users
    left join age_midpoints
        on users.age_band = age_midpoints.age_band
    left join income_midpoints
        on users.income_band = income_midpoints.income_band
    cross join category_interest_lists

),

-- percentile ranks for the engagement score: percent_rank() computed on the
-- distinct values (users below the value / (users - 1)), which is exact and
-- sorts only the distinct values instead of every user
population as (

    select count(*) as users from derived

),

{% for column in score_inputs %}
{{ column }}_value_counts as (

    select
        {{ column }},
        count(*) as users,
    from derived
    group by {{ column }}

),

{{ column }}_percent_ranks as (

    select
        {{ column }}_value_counts.{{ column }},
        case
            when population.users > 1
                then coalesce(
                    sum({{ column }}_value_counts.users) over (
                        order by {{ column }}_value_counts.{{ column }}
                        rows between unbounded preceding and 1 preceding
                    ),
                    0
                ) / (population.users - 1)
            else 0
        end as percent_rank,
    from {{ column }}_value_counts
    cross join population

),

{% endfor %}
final as (

    select
        derived.*,
        (
            {%- for column in score_inputs %}
                {{ column }}_percent_ranks.percent_rank{{ ' +' if not loop.last }}
            {%- endfor %}
        ) / {{ score_inputs | length }} as engagement_score,
    from derived
    {%- for column in score_inputs %}
        left join {{ column }}_percent_ranks
            on derived.{{ column }} = {{ column }}_percent_ranks.{{ column }}
    {%- endfor %}

)

select * from final
