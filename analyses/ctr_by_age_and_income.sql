-- Mean click-through rate (in %) for every age band x income band, bands in
-- natural order: where do ads get clicked most?
with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

age_bands as (

    select
        value as age_band,
        sort_order as age_band_order
    from category_values
    where attribute = 'age_band'

),

income_bands as (

    select
        value as income_band,
        sort_order as income_band_order
    from category_values
    where attribute = 'income_band'

),

cells as (

    select
        age_band,
        income_band,
        count(*) as users,
        round(100 * avg(click_through_rate), 2) as avg_ctr_percent
    from user_features
    group by age_band, income_band

),

final as (

    select
        age_bands.age_band,
        income_bands.income_band,
        coalesce(cells.users, 0) as users,
        cells.avg_ctr_percent,
        age_bands.age_band_order,
        income_bands.income_band_order
    from age_bands
    cross join income_bands
    left join cells
        on
            age_bands.age_band = cells.age_band
            and income_bands.income_band = cells.income_band

)

select * from final
order by age_band_order, income_band_order
