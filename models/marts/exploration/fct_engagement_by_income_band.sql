-- Engagement cross-tab by income band: one row per income band, in natural order.

{{ engagement_crosstab_slice('income_band') }}
