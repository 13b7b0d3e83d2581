-- Shares add up to 1 and users add up to all users, per attribute, in every
-- exploration mart that splits the users: the categorical distributions, the
-- engagement cross-tab, the histograms and the interest-count distribution.
-- Returns one row per attribute that does not add up.
with

users as (

    select count(*) as total_users from {{ ref('stg_user_profiles') }}

),

attribute_distributions as (

    select * from {{ ref('fct_attribute_distributions') }}

),

engagement_by_attribute as (

    select * from {{ ref('fct_engagement_by_attribute') }}

),

numeric_histograms as (

    select * from {{ ref('fct_numeric_histograms') }}

),

numeric_summaries as (

    select * from {{ ref('fct_numeric_summaries') }}

),

interest_count_distribution as (

    select * from {{ ref('fct_interest_count_distribution') }}

),

totals as (

    select
        'fct_attribute_distributions' as model_name,
        attribute,
        sum(users) as users,
        sum(share_of_users) as share_of_users
    from attribute_distributions
    group by attribute

    union all

    select
        'fct_engagement_by_attribute' as model_name,
        attribute,
        sum(users) as users,
        sum(share_of_users) as share_of_users
    from engagement_by_attribute
    group by attribute

    union all

    select
        'fct_interest_count_distribution' as model_name,
        'interest_count' as attribute,
        sum(users) as users,
        sum(share_of_users) as share_of_users
    from interest_count_distribution

),

histogram_totals as (

    select
        numeric_histograms.attribute,
        sum(numeric_histograms.users) as users,
        sum(numeric_histograms.share_of_users) as share_of_users,
        any_value(numeric_summaries.users) as expected_users
    from numeric_histograms
    inner join numeric_summaries
        on numeric_histograms.attribute = numeric_summaries.attribute
    group by numeric_histograms.attribute

),

failures as (

    select
        totals.model_name,
        totals.attribute,
        totals.users,
        users.total_users as expected_users,
        totals.share_of_users
    from totals
    cross join users
    where
        totals.users != users.total_users
        or (users.total_users > 0 and abs(totals.share_of_users - 1) > 1e-9)

    union all

    select
        'fct_numeric_histograms' as model_name,
        attribute,
        users,
        expected_users,
        share_of_users
    from histogram_totals
    where users != expected_users or abs(share_of_users - 1) > 1e-9

)

select * from failures
