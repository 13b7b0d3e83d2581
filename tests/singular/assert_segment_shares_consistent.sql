-- The segment profiles account for every segmented user exactly once:
--   * segment sizes sum to the users of fct_user_segments and shares to 1;
--   * within each segment, every attribute's value shares sum to 1.
with

segments as (

    select * from {{ ref('dim_segments') }}

),

assignments as (

    select * from {{ ref('fct_user_segments') }}

),

attributes as (

    select * from {{ ref('fct_segment_attributes') }}

),

totals as (

    select
        'segments' as checked,
        cast(null as integer) as segment_id,
        cast(null as varchar) as attribute,
        sum(segment_size) as observed,
        (select count(*) from assignments) as expected,
        abs(sum(share_of_users) - 1) as share_error
    from segments

),

attribute_totals as (

    select
        'attribute shares' as checked,
        segment_id,
        attribute,
        sum(users_with_value) as observed,
        max(segment_size) as expected,
        abs(sum(share_in_segment) - 1) as share_error
    from attributes
    group by segment_id, attribute

),

checks as (

    select * from totals
    union all
    select * from attribute_totals

)

select * from checks
where observed != expected or share_error > 1e-6
