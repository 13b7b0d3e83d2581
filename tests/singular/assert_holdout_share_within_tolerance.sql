-- Each campaign's share of held-out users is within 4 binomial standard errors
-- (plus one user) of the holdout_share var: a wrong draw (e.g. a biased hash
-- or a comparison in the wrong direction) fails, chance alone practically never.
-- A campaign with a row whose is_holdout is null fails too (this test reads
-- every audience row; the column has no not_null test of its own).
with

audiences as (

    select * from {{ ref('fct_campaign_audiences') }}

),

shares as (

    select
        campaign_id,
        count(*) as audience_users,
        count(*) filter (where is_holdout is null) as unknown_holdout_users,
        avg(case when is_holdout then 1.0 else 0.0 end) as holdout_share
    from audiences
    group by campaign_id

),

checked as (

    select
        *,
        {{ user_segmentation_number_var('holdout_share') }} as expected_share,
        -- 4 binomial standard errors plus one user
        4 * sqrt(
            {{ user_segmentation_number_var('holdout_share') }}
            * (1 - {{ user_segmentation_number_var('holdout_share') }})
            / audience_users
        ) + 1.0 / audience_users as tolerance
    from shares

)

select * from checked
where abs(holdout_share - expected_share) > tolerance or unknown_holdout_users > 0
