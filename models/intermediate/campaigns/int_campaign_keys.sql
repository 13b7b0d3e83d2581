-- One row per campaign: the campaign's constraints from dim_campaigns with the
-- per-campaign keys the campaign x user view needs: the bit masks of its
-- target interests (macro interest_mask), devices and bands (macros
-- device_mask, band_mask) and its holdout key (macro campaign_holdout_key).
-- A table, so that the view int_campaign_eligible_users reads no seed:
-- DuckDB stores a view's references without the database name, and the
-- seeds' schema `reference` would clash with a database file named
-- reference.duckdb.
with

campaigns as (

    select * from {{ ref('dim_campaigns') }}

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
        campaigns.campaign_id,

        -- lists
        campaigns.target_interest_ids,
        campaigns.target_devices,
        campaigns.target_age_bands,
        campaigns.target_income_bands,

        -- keys
        {{ interest_mask('campaigns.target_interest_ids') }} as target_interest_mask,
        {{ device_mask('campaigns.target_devices') }} as target_device_mask,
        {{ band_mask('campaigns.target_age_bands', 'age_band') }} as target_age_band_mask,
        {{ band_mask('campaigns.target_income_bands', 'income_band') }} as target_income_band_mask,
        {{ campaign_holdout_key('campaigns.campaign_id') }} as holdout_campaign_key,

        -- booleans
        campaigns.has_device_constraint,
        campaigns.has_age_constraint,
        campaigns.has_income_constraint

    from campaigns
    cross join interest_bits
    cross join band_bits

)

select * from final
