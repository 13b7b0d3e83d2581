-- One row per candidate number of segments k: the figures the k-selection
-- rule looked at, whether the k met the smallest-segment floor, and which k
-- was chosen and why.

with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

unnested as (

    select
        segmentation_model_id,
        selection_rule,
        selection_reason,
        is_k_overridden,
        k_selection_rows,
        stability_rows,
        silhouette_rows,
        bootstrap_samples,
        -- one column per field of the candidate struct
        unnest(candidates, recursive := true)  -- noqa: AL03
    from segmentation_model

),

final as (

    select
        -- ids
        k::integer as k,
        segmentation_model_id,

        -- separation and compactness
        inertia::double as inertia,
        silhouette::double as silhouette,
        davies_bouldin::double as davies_bouldin,
        calinski_harabasz::double as calinski_harabasz,

        -- size and stability
        smallest_segment_share::double as smallest_segment_share,
        stability_ari_mean::double as stability_ari_mean,
        stability_ari_sd::double as stability_ari_sd,

        -- samples the figures were computed on
        k_selection_rows,
        stability_rows,
        silhouette_rows,
        bootstrap_samples,

        -- booleans
        is_eligible::boolean as is_eligible,
        is_chosen::boolean as is_chosen,
        is_k_overridden,

        -- the rule
        selection_rule,
        case when is_chosen then selection_reason end as selection_reason

    from unnested

)

select * from final
order by k
