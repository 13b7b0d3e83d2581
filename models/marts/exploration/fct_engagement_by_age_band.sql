-- Engagement cross-tab by age band: one row per age band, in natural order.

{{ engagement_crosstab_slice('age_band') }}
