-- Weekend-heavy users (more than half of their weekly time online is on the
-- weekend): how many are there per device usage, and how do they respond to ads?
with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

category_values as (

    select * from {{ ref('category_values') }}

),

by_device as (

    select
        device_usage,
        count(*) as users,
        count(*) filter (where weekend_share_of_time > 0.5) as weekend_heavy_users,
        avg(click_through_rate) filter (where weekend_share_of_time > 0.5) as weekend_heavy_avg_ctr,
        avg(click_through_rate) filter (where weekend_share_of_time <= 0.5) as other_avg_ctr
    from user_features
    group by device_usage

),

final as (

    select
        by_device.device_usage,
        by_device.users,
        by_device.weekend_heavy_users,
        round(by_device.weekend_heavy_users / by_device.users, 3) as share_weekend_heavy,
        round(100 * by_device.weekend_heavy_avg_ctr, 2) as weekend_heavy_ctr_percent,
        round(100 * by_device.other_avg_ctr, 2) as other_ctr_percent,
        category_values.sort_order as device_usage_order
    from by_device
    inner join category_values
        on
            category_values.attribute = 'device_usage'
            and by_device.device_usage = category_values.value

)

select * from final
order by device_usage_order
