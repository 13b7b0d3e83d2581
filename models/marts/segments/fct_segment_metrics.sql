-- One row per segment x engagement metric: the segment's mean and median, the
-- population's, and the difference in population standard deviations.
-- Means and standard deviations are exact: every value is summed as DECIMAL
-- (macros exact_sum and exact_sum_of_squared_deviations), so they do not
-- depend on the order in which parallel threads add up the values (plain
-- avg()/stddev_pop() on DOUBLE gave a different last digit in two builds of
-- the same 1M users); they are rounded to 9 decimals. Medians are exact up
-- to quantile_sample_rows users, else computed on a fixed seeded sample of
-- about that many (macro quantile_sample).
--
-- Two passes over the users, one row per user each (metrics as columns,
-- grouped by segment): the exact sums, then the squared deviations from the
-- segment's mean. The population's figures are rolled up from the
-- segments' exactly (sum of squares within segments plus between them).
-- Only the medians unpivot the metrics, and only for the sampled users.
{%- set metrics = segment_profile_metrics() %}

with

-- not materialized: read three times (the two passes and the medians); held
-- whole, it would be every user's metrics (10M users: 3.6 s against 1.5 s)
members as not materialized (

    select * from {{ ref('int_segment_members') }}

),

population as (

    select * from {{ ref('int_segment_population') }}

),

phrases as (

    select * from {{ ref('segment_naming_phrases') }}

),

-- pass 1: per segment and metric, the users with a value and their exact sum
segment_sums as (

    select
        {%- for metric in metrics %}
            count({{ metric }}) as {{ metric }}__users,
            {{ exact_sum(metric) }} as {{ metric }}__sum,
        {%- endfor %}
        segment_id
    from members
    group by segment_id

),

segment_means as (

    select
        {%- for metric in metrics %}
            {{ metric }}__sum::double / nullif({{ metric }}__users, 0) as {{ metric }}__mean,
        {%- endfor %}
        segment_id
    from segment_sums

),

-- pass 2: per segment and metric, the exact sum of squared deviations from
-- the segment's mean
segment_squares as (

    select
        {%- for metric in metrics %}
            {{ exact_sum_of_squared_deviations('members.' ~ metric, 'segment_means.' ~ metric ~ '__mean') }}
                as {{ metric }}__squares,
        {%- endfor %}
        members.segment_id
    from members
    inner join segment_means
        on members.segment_id = segment_means.segment_id
    group by members.segment_id

),

-- one row per segment and metric
segment_moments as (

    {%- for metric in metrics %}
        select
            segment_sums.segment_id,
            '{{ metric }}' as metric_name,
            segment_sums.{{ metric }}__users as users_with_value,
            segment_sums.{{ metric }}__sum as value_sum,
            segment_means.{{ metric }}__mean as mean_value,
            segment_squares.{{ metric }}__squares as squared_deviations
        from segment_sums
        inner join segment_means
            on segment_sums.segment_id = segment_means.segment_id
        inner join segment_squares
            on segment_sums.segment_id = segment_squares.segment_id
        where segment_sums.{{ metric }}__users > 0
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- the population: exact sums of the segments' counts and sums; its squared
-- deviations are the segments' plus, for each segment, its users times the
-- squared distance of its mean from the population's (each term summed
-- exactly)
population_means as (

    select
        metric_name,
        sum(users_with_value)::bigint as users_with_value,
        sum(value_sum)::double / sum(users_with_value) as mean_value
    from segment_moments
    group by metric_name

),

population_moments as (

    select
        segment_moments.metric_name,
        population_means.users_with_value,
        population_means.mean_value,
        sum(
            (
                segment_moments.squared_deviations
                + segment_moments.users_with_value
                * (segment_moments.mean_value - population_means.mean_value)
                * (segment_moments.mean_value - population_means.mean_value)
            )::decimal(38, 12)
        )::double as squared_deviations
    from segment_moments
    inner join population_means
        on segment_moments.metric_name = population_means.metric_name
    group by all

),

-- pass 3, the sampled users only: medians per segment and of the population
sampled_values as (

    unpivot (
        select
            segment_id,
            {{ metrics | join(', ') }}
        from members
        where {{ quantile_sample('user_id', ref('int_segment_members')) }}
    )
    on {{ metrics | join(', ') }}
    into name metric_name value metric_value

),

medians as (

    select
        segment_id,
        metric_name,
        grouping(segment_id) = 1 as is_population,
        median(metric_value) as median_value
    from sampled_values
    group by grouping sets ((segment_id, metric_name), (metric_name)) -- noqa: PRS

),

segment_stats as (

    select
        segment_moments.segment_id,
        segment_moments.metric_name,
        segment_moments.users_with_value,
        round(segment_moments.mean_value, 9) as mean_value,
        round(medians.median_value, 9) as median_value,
        round(sqrt(segment_moments.squared_deviations / segment_moments.users_with_value), 9) as stddev_value
    from segment_moments
    left join medians
        on
            segment_moments.segment_id = medians.segment_id
            and segment_moments.metric_name = medians.metric_name
            and not medians.is_population

),

population_stats as (

    select
        population_moments.metric_name,
        round(population_moments.mean_value, 9) as population_mean_value,
        round(medians.median_value, 9) as population_median_value,
        round(
            sqrt(population_moments.squared_deviations / population_moments.users_with_value), 9
        ) as population_stddev_value
    from population_moments
    left join medians
        on
            population_moments.metric_name = medians.metric_name
            and medians.is_population

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
