-- One row per segment x engagement metric: the segment's mean and median, the
-- population's, and the difference in population standard deviations.
-- Means and deviations are rounded to 9 decimals so that the result does not
-- depend on the order in which parallel threads add up the values. Medians
-- are exact up to quantile_sample_rows users, else computed on a fixed seeded
-- sample of about that many (macro quantile_sample).
with

members as (

    select * from {{ ref('int_segment_members') }}

),

population as (

    select * from {{ ref('int_segment_population') }}

),

phrases as (

    select * from {{ ref('segment_naming_phrases') }}

),

metric_values as (

    unpivot (
        select
            segment_id,
            {{ quantile_sample('user_id', ref('int_segment_members')) }} as is_in_quantile_sample,
            {{ segment_profile_metrics() | join(', ') }}
        from members
    )
    on {{ segment_profile_metrics() | join(', ') }}
    into name metric_name value metric_value

),

-- one pass over the values for both grains (segment and population): a CTE
-- read twice would be held in memory whole
stats as (

    select
        segment_id,
        metric_name,
        grouping(segment_id) = 1 as is_population,
        count(*) as users_with_value,
        round(avg(metric_value), 9) as mean_value,
        round(median(metric_value) filter (where is_in_quantile_sample), 9) as median_value,
        round(stddev_pop(metric_value), 9) as stddev_value
    from metric_values
    group by grouping sets ((segment_id, metric_name), (metric_name)) -- noqa: PRS

),

segment_stats as (

    select
        segment_id,
        metric_name,
        users_with_value,
        mean_value,
        median_value,
        stddev_value
    from stats
    where not is_population

),

population_stats as (

    select
        metric_name,
        mean_value as population_mean_value,
        median_value as population_median_value,
        stddev_value as population_stddev_value
    from stats
    where is_population

),

metric_labels as (

    select
        feature_name as metric_name,
        feature_label as metric_label,
        display_format
    from phrases
    where feature_kind = 'metric'

),

final as (

    select
        -- ids
        segment_stats.segment_id || ':' || segment_stats.metric_name as segment_metric_id,
        segment_stats.segment_id,

        -- strings
        segment_stats.metric_name,
        coalesce(metric_labels.metric_label, replace(segment_stats.metric_name, '_', ' ')) as metric_label,

        -- numerics
        population.segment_size,
        segment_stats.users_with_value,
        segment_stats.mean_value,
        segment_stats.median_value,
        segment_stats.stddev_value,
        population_stats.population_mean_value,
        population_stats.population_median_value,
        population_stats.population_stddev_value,
        case
            when population_stats.population_stddev_value > 0
                then round(
                    (segment_stats.mean_value - population_stats.population_mean_value)
                    / population_stats.population_stddev_value,
                    6
                )
            else 0
        end as difference_sd,

        -- strings for people
        coalesce(metric_labels.display_format, '%.3f') as display_format

    from segment_stats
    inner join population_stats
        on segment_stats.metric_name = population_stats.metric_name
    inner join population
        on segment_stats.segment_id = population.segment_id
    left join metric_labels
        on segment_stats.metric_name = metric_labels.metric_name

)

select * from final
