-- One row per segment: who is in it, how they behave compared with everyone,
-- what is over-represented in it, and its name and description.
with

population as (

    select * from {{ ref('int_segment_population') }}

),

members as (

    select * from {{ ref('int_segment_members') }}

),

metrics as (

    select * from {{ ref('fct_segment_metrics') }}

),

attributes as (

    select * from {{ ref('fct_segment_attributes') }}

),

interests as (

    select * from {{ ref('fct_segment_interests') }}

),

names as (

    select * from {{ ref('int_segment_names') }}

),

name_overrides as (

    select * from {{ ref('segment_name_overrides') }}

),

stability as (

    select * from {{ ref('fct_segment_stability') }}

),

metrics_wide as (

    select
        segment_id,
    {%- for metric in segment_profile_metrics() %}
        max(case when metric_name = '{{ metric }}' then mean_value end) as {{ metric }}_mean,
        max(case when metric_name = '{{ metric }}' then median_value end) as {{ metric }}_median,
        max(case when metric_name = '{{ metric }}' then difference_sd end) as {{ metric }}_difference_sd
        {{- ',' if not loop.last }}
    {%- endfor %}
    from metrics
    group by segment_id

),

attributes_wide as (

    select
        segment_id,
    {%- for attribute in segment_profile_attributes() %}
        max(case when attribute = '{{ attribute }}' then attribute_value end) as top_{{ attribute }},
        max(case when attribute = '{{ attribute }}' then share_in_segment end) as top_{{ attribute }}_share,
        max(case when attribute = '{{ attribute }}' then lift end) as top_{{ attribute }}_lift
        {{- ',' if not loop.last }}
    {%- endfor %}
    from attributes
    where over_representation_rank = 1
    group by segment_id

),

interests_wide as (

    select
        segment_id,
        list(interest_name order by lift_rank)
        filter (where lift_rank <= {{ var('segment_top_interests') | int }}) as top_interests_by_lift,
        max(case when lift_rank = 1 then interest_name end) as top_interest,
        max(case when lift_rank = 1 then share_in_segment end) as top_interest_share,
        max(case when lift_rank = 1 then lift end) as top_interest_lift
    from interests
    group by segment_id

),

-- users of each device per segment: one pass over the members (an unpivot
-- of every user read twice would be held whole in memory)
segment_devices as (

    select
        segment_id,
        count(*) as segment_users,
        count(*) filter (where uses_mobile) as mobile,
        count(*) filter (where uses_desktop) as desktop,
        count(*) filter (where uses_tablet) as tablet
    from members
    group by segment_id

),

device_users as (

    unpivot segment_devices
    on mobile, desktop, tablet
    into name device value device_users

),

device_population as (

    select
        device,
        sum(device_users) / sum(segment_users) as population_share
    from device_users
    group by device

),

device_shares as (

    select
        device_users.segment_id,
        device_users.device,
        device_users.device_users / device_users.segment_users as device_share,
        device_population.population_share
    from device_users
    inner join device_population
        on device_users.device = device_population.device

),

preferred_devices as (

    select
        segment_id,
        device as preferred_device,
        round(device_share, 9) as preferred_device_share,
        round(case when population_share > 0 then device_share / population_share end, 6) as preferred_device_lift
    from device_shares
    qualify row_number() over (
        partition by segment_id
        order by
            case when population_share > 0 then device_share / population_share end desc nulls last,
            device_share desc,
            device asc
    ) = 1

),

final as (

    select
        -- ids
        population.segment_id,

        -- names
        coalesce(nullif(trim(name_overrides.segment_name), ''), names.generated_segment_name) as segment_name,
        names.generated_segment_name,
        names.generated_segment_description as segment_description,
        names.name_phrases,
        names.top_feature_strength_sd,
        stability.stability_label,
        stability.jaccard_mean as stability_jaccard_mean,

        -- size
        population.segment_size,
        round(population.share_of_users, 9) as share_of_users,

        -- engagement metrics: mean, median, difference from the population in SDs
        {%- for metric in segment_profile_metrics() %}
            metrics_wide.{{ metric }}_mean,
            metrics_wide.{{ metric }}_median,
            metrics_wide.{{ metric }}_difference_sd,
        {%- endfor %}

        -- most over-represented value of every attribute
        {%- for attribute in segment_profile_attributes() %}
            attributes_wide.top_{{ attribute }},
            attributes_wide.top_{{ attribute }}_share,
            attributes_wide.top_{{ attribute }}_lift,
        {%- endfor %}

        -- interests
        interests_wide.top_interests_by_lift,
        interests_wide.top_interest,
        interests_wide.top_interest_share,
        interests_wide.top_interest_lift,

        -- device and day type
        preferred_devices.preferred_device,
        preferred_devices.preferred_device_share,
        preferred_devices.preferred_device_lift,
        case
            when
                metrics_wide.weekend_share_of_time_difference_sd
                >= {{ var('day_type_lean_threshold_sd') | float }} then 'weekend'
            when
                metrics_wide.weekend_share_of_time_difference_sd
                <= -{{ var('day_type_lean_threshold_sd') | float }} then 'weekday'
            else 'balanced'
        end as day_type_lean,

        -- booleans
        name_overrides.segment_name is not null and trim(name_overrides.segment_name) != '' as is_name_overridden

    from population
    left join names
        on population.segment_id = names.segment_id
    left join name_overrides
        on names.generated_segment_name = name_overrides.generated_segment_name
    left join metrics_wide
        on population.segment_id = metrics_wide.segment_id
    left join attributes_wide
        on population.segment_id = attributes_wide.segment_id
    left join interests_wide
        on population.segment_id = interests_wide.segment_id
    left join preferred_devices
        on population.segment_id = preferred_devices.segment_id
    left join stability
        on population.segment_id = stability.segment_id

)

select * from final
