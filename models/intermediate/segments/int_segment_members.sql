-- One row per segmented user: the segment from fct_user_segments with the
-- user's profile columns from fct_user_features. The single place where the
-- profile and campaign models meet the upstream column names.
with

segments as (

    select * from {{ ref('fct_user_segments') }}

),

features as (

    select * from {{ ref('fct_user_features') }}

),

final as (

    select
        -- ids
        segments.user_id,
        segments.segment_id,

        -- demographic and device attributes
        {%- for attribute in segment_profile_attributes() %}
            features.{{ attribute }},
        {%- endfor %}

        -- engagement metrics
        {%- for metric in segment_profile_metrics() %}
            cast(features.{{ metric }} as double) as {{ metric }},
        {%- endfor %}

        -- booleans
        coalesce(features.uses_mobile, false) as uses_mobile,
        coalesce(features.uses_desktop, false) as uses_desktop,
        coalesce(features.uses_tablet, false) as uses_tablet

    from segments
    inner join features
        on segments.user_id = features.user_id

)

select * from final
