-- Every metric profiled (macro segment_profile_metrics) has its label, format
-- and phrases in seeds/segment_naming_phrases.csv.
with

metrics as (

    select distinct metric_name from {{ ref('fct_segment_metrics') }}

),

phrases as (

    select * from {{ ref('segment_naming_phrases') }}

)

select metrics.metric_name
from metrics
left join phrases
    on
        phrases.feature_kind = 'metric'
        and metrics.metric_name = phrases.feature_name
where phrases.feature_name is null
