-- One row per segment: a name and a one-sentence description generated from
-- the segment's most distinctive features (int_segment_distinctive_features).
--
-- Naming rule (documented in the README, "Segment profiles and campaigns"):
--   1. take the features ranked 1..segment_name_min_features, plus those ranked
--      up to segment_name_max_features whose strength is at least
--      segment_name_min_strength_sd;
--   2. adjectives (phrase_slot 1 behaviour, 2 demographics, 3 device) come in
--      slot order then rank; two behaviour adjectives are separated by a comma;
--      an interest (slot 4) gives the noun ("gamers"), otherwise "users";
--   3. if two segments get the same name, the larger segment (then the lower
--      segment_id) keeps it and the others use one more feature; if that is
--      still taken, " (segment N)" is appended.
with

features as (

    select * from {{ ref('int_segment_distinctive_features') }}

),

population as (

    select * from {{ ref('int_segment_population') }}

),

ranked_features as (

    select * from features
    where feature_rank is not null

),

-- variant 1: the normal name; variant 2: one more feature, for duplicates
chosen as (

    select
        1 as name_variant,
        *
    from ranked_features
    where
        feature_rank <= {{ var('segment_name_min_features') | int }}
        or (
            feature_rank <= {{ var('segment_name_max_features') | int }}
            and strength_sd >= {{ var('segment_name_min_strength_sd') | float }}
        )

    union all

    select
        2 as name_variant,
        *
    from ranked_features
    where feature_rank <= {{ var('segment_name_max_features') | int }} + 1

),

adjectives as (

    select
        segment_id,
        name_variant,
        phrase_slot,
        feature_rank,
        phrase,
        lag(phrase_slot) over (
            partition by segment_id, name_variant order by phrase_slot, feature_rank
        ) as previous_slot,
        row_number() over (
            partition by segment_id, name_variant order by phrase_slot, feature_rank
        ) as adjective_position
    from chosen
    where phrase_slot < 4

),

adjective_text as (

    select
        segment_id,
        name_variant,
        string_agg(
            case
                when adjective_position = 1 then ''
                when previous_slot = 1 and phrase_slot = 1 then ', '
                else ' '
            end || phrase,
            ''
            order by adjective_position
        ) as adjective_phrase
    from adjectives
    group by segment_id, name_variant

),

nouns as (

    select
        segment_id,
        name_variant,
        min(phrase) as noun_phrase
    from chosen
    where phrase_slot = 4
    group by segment_id, name_variant

),

name_variants as (

    select unnest([1, 2]) as name_variant

),

variants as (

    select
        population.segment_id,
        population.segment_size,
        population.share_of_users,
        variant.name_variant,
        trim(
            coalesce(adjective_text.adjective_phrase, 'typical') || ' ' || coalesce(nouns.noun_phrase, 'users')
        ) as raw_name
    from population
    cross join name_variants as variant
    left join adjective_text
        on
            population.segment_id = adjective_text.segment_id
            and variant.name_variant = adjective_text.name_variant
    left join nouns
        on
            population.segment_id = nouns.segment_id
            and variant.name_variant = nouns.name_variant

),

names as (

    select
        segment_id,
        segment_size,
        share_of_users,
        max(case when name_variant = 1 then upper(left(raw_name, 1)) || substr(raw_name, 2) end) as first_name,
        max(case when name_variant = 2 then upper(left(raw_name, 1)) || substr(raw_name, 2) end) as second_name
    from variants
    group by segment_id, segment_size, share_of_users

),

first_pass as (

    select
        *,
        row_number() over (partition by first_name order by segment_size desc, segment_id asc) as first_name_rank
    from names

),

second_pass as (

    select
        *,
        case when first_name_rank = 1 then first_name else second_name end as candidate_name
    from first_pass

),

third_pass as (

    select
        *,
        row_number() over (
            partition by candidate_name
            order by first_name_rank = 1 desc, segment_size desc, segment_id asc
        ) as candidate_name_rank
    from second_pass

),

evidence as (

    select
        segment_id,
        string_agg(evidence_text, '; ' order by feature_rank) as evidence_text,
        list(phrase order by feature_rank) as name_phrases,
        max(strength_sd) as top_feature_strength_sd
    from chosen
    where name_variant = 1
    group by segment_id

),

final as (

    select
        -- ids
        third_pass.segment_id,

        -- strings
        case
            when third_pass.candidate_name_rank = 1 then third_pass.candidate_name
            else third_pass.candidate_name || ' (segment ' || third_pass.segment_id || ')'
        end as generated_segment_name,
        printf(
            '%.1f%% of users, most distinct in: %s.',
            100 * third_pass.share_of_users,
            coalesce(evidence.evidence_text, 'nothing (the segment looks like the population)')
        ) as generated_segment_description,
        coalesce(evidence.name_phrases, []) as name_phrases,

        -- numerics
        coalesce(evidence.top_feature_strength_sd, 0) as top_feature_strength_sd

    from third_pass
    left join evidence
        on third_pass.segment_id = evidence.segment_id

)

select * from final
