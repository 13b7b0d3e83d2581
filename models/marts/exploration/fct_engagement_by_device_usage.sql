-- Engagement cross-tab by device usage: one row per device usage, in natural order.

{{ engagement_crosstab_slice('device_usage') }}
