-- One row per segment x candidate naming feature: every engagement metric (in
-- the direction the segment differs), every over-represented attribute value
-- and every over-represented interest, with the phrase that names it and one
-- common measure of how distinctive it is, `strength_sd`:
--   metric:            |segment mean - population mean| / population SD
--   attribute/interest: (share in segment - share in population)
--                       / sqrt(p (1 - p)), p = share in population,
-- i.e. the difference of the mean of a 0/1 indicator in population SDs, so
-- all three kinds are on the same scale. Only the strongest feature of each
-- feature group (e.g. one age band, one interest) gets a `feature_rank`.
with

metrics as (

    select * from {{ ref('fct_segment_metrics') }}

),

attributes as (

    select * from {{ ref('fct_segment_attributes') }}

),

interests as (

    select * from {{ ref('fct_segment_interests') }}

),

phrases as (

    select * from {{ ref('segment_naming_phrases') }}

),

metric_candidates as (

    select
        metrics.segment_id,
        'metric' as feature_kind,
        metrics.metric_name as feature_name,
        cast(null as varchar) as feature_value,
        phrases.feature_group,
        case when metrics.difference_sd >= 0 then 'high' else 'low' end as direction,
        case when metrics.difference_sd >= 0 then phrases.high_phrase else phrases.low_phrase end as phrase,
        phrases.phrase_slot,
        abs(metrics.difference_sd) as strength_sd,
        printf(
            '%s %s vs %s overall (%+.2f SD)',
            phrases.feature_label,
            printf(phrases.display_format, metrics.mean_value),
            printf(phrases.display_format, metrics.population_mean_value),
            metrics.difference_sd
        ) as evidence_text
    from metrics
    inner join phrases
        on
            phrases.feature_kind = 'metric'
            and metrics.metric_name = phrases.feature_name
    where phrases.is_naming_candidate

),

attribute_candidates as (

    select
        attributes.segment_id,
        'attribute' as feature_kind,
        attributes.attribute as feature_name,
        attributes.attribute_value as feature_value,
        phrases.feature_group,
        'high' as direction,
        phrases.high_phrase as phrase,
        phrases.phrase_slot,
        attributes.standardized_difference as strength_sd,
        printf(
            '%s %.0f%% vs %.0f%% overall (%.2fx)',
            phrases.feature_label,
            100 * attributes.share_in_segment,
            100 * attributes.share_in_population,
            attributes.lift
        ) as evidence_text
    from attributes
    inner join phrases
        on
            phrases.feature_kind = 'attribute'
            and attributes.attribute = phrases.feature_name
            and attributes.attribute_value = phrases.feature_value
    where phrases.is_naming_candidate and attributes.standardized_difference > 0

),

interest_candidates as (

    select
        interests.segment_id,
        'interest' as feature_kind,
        'interest' as feature_name,
        interests.interest_id as feature_value,
        phrases.feature_group,
        'high' as direction,
        phrases.high_phrase as phrase,
        phrases.phrase_slot,
        interests.standardized_difference as strength_sd,
        printf(
            'interest in %s %.0f%% vs %.0f%% overall (%.2fx)',
            interests.interest_name,
            100 * interests.share_in_segment,
            100 * interests.share_in_population,
            interests.lift
        ) as evidence_text
    from interests
    inner join phrases
        on
            phrases.feature_kind = 'interest'
            and interests.interest_id = phrases.feature_value
    where phrases.is_naming_candidate and interests.standardized_difference > 0

),

candidates as (

    select * from metric_candidates
    union all
    select * from attribute_candidates
    union all
    select * from interest_candidates

),

ranked_in_group as (

    select
        *,
        row_number() over (
            partition by segment_id, feature_group
            order by strength_sd desc, feature_kind asc, feature_name asc, feature_value asc
        ) as group_rank
    from candidates
    where strength_sd > 0

),

final as (

    select
        -- ids
        segment_id || ':' || feature_kind || ':' || feature_name || coalesce(':' || feature_value, '')
            as segment_feature_id,
        segment_id,

        -- strings
        feature_kind,
        feature_name,
        feature_value,
        feature_group,
        direction,
        phrase,
        evidence_text,

        -- numerics
        phrase_slot,
        round(strength_sd, 6) as strength_sd,
        group_rank,
        case
            when group_rank = 1
                then row_number() over (
                    partition by segment_id, group_rank = 1
                    order by strength_sd desc, feature_kind asc, feature_name asc, feature_value asc
                )
        end as feature_rank

    from ranked_in_group

)

select * from final
