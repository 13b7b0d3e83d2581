-- One row per segmented user: the segment from fct_user_segments with the
-- user's profile columns from fct_user_features. The single place where the
-- profile and campaign models meet the upstream column names. Also computed
-- here, once per user, for the campaign models: the interest mask (one bit per
-- known interest), the device and band bits (macros device_bits,
-- band_bits_relation), the salted hashed id of the audience files and the
-- holdout key, so that the campaign x user models need only integer
-- arithmetic.
with

segments as (

    select * from {{ ref('fct_user_segments') }}

),

features as (

    select * from {{ ref('fct_user_features') }}

),

interest_bits as (

    select * from {{ interest_bits_relation() }}

),

band_bits as (

    select * from {{ band_bits_relation() }}

),

final as (

    select
        -- ids
        segments.user_id,
        segments.segment_id,
        {{ audience_hashed_id('segments.user_id') }} as hashed_user_id,

        -- demographic and device attributes
        {%- for attribute in segment_profile_attributes() %}
            features.{{ attribute }},
        {%- endfor %}

        -- engagement metrics
        {%- for metric in segment_profile_metrics() %}
            cast(features.{{ metric }} as double) as {{ metric }},
        {%- endfor %}

        -- interests (the list itself is not kept: the mask is all the campaign
        -- and profile models need, and the list was a fifth of this table's write)
        {{ interest_mask('features.interest_ids') }} as interest_mask,

        -- holdout
        {{ holdout_key('segments.user_id') }} as holdout_key,

        -- campaign constraint bits
        {{ device_bits('features') }} as device_bits,
        map_extract_value(band_bits.bit_by_age_band, features.age_band) as age_band_bit,
        map_extract_value(band_bits.bit_by_income_band, features.income_band) as income_band_bit,

        -- booleans
        coalesce(features.uses_mobile, false) as uses_mobile,
        coalesce(features.uses_desktop, false) as uses_desktop,
        coalesce(features.uses_tablet, false) as uses_tablet

    from segments
    inner join features
        on segments.user_id = features.user_id
    cross join interest_bits
    cross join band_bits

)

select * from final
