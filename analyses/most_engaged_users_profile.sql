-- Who are the most engaged users? The top 10 % by engagement_score compared
-- with all users, for every categorical attribute (lift 1.2 = 20 % more
-- common among the most engaged).
with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

distributions as (

    select * from {{ ref('fct_attribute_distributions') }}

),

threshold as (

    select quantile_cont(engagement_score, 0.9) as min_engagement_score
    from user_features

),

top_users as (

    select user_features.*
    from user_features
    inner join threshold
        on user_features.engagement_score >= threshold.min_engagement_score

),

top_counts as (

    select
        attribute,
        value,
        count(*) as top_users
    from top_users
    unpivot (
        value for attribute in (
            age_band, gender, location, language, education_level, income_band, device_usage
        )
    )
    group by attribute, value

),

final as (

    select
        distributions.attribute,
        distributions.value,
        coalesce(top_counts.top_users, 0) as top_users,
        round(coalesce(top_counts.top_users, 0) / sum(coalesce(top_counts.top_users, 0)) over (
            partition by distributions.attribute
        ), 3) as share_of_top_users,
        round(distributions.share_of_users, 3) as share_of_all_users,
        round(
            coalesce(top_counts.top_users, 0)
            / sum(coalesce(top_counts.top_users, 0)) over (partition by distributions.attribute)
            / nullif(distributions.share_of_users, 0),
            2
        ) as lift,
        distributions.attribute_order,
        distributions.value_order
    from distributions
    left join top_counts
        on
            distributions.attribute = top_counts.attribute
            and distributions.value = top_counts.value

)

select * from final
order by attribute_order, value_order
