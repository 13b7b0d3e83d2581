-- fct_k_selection marks exactly one candidate as chosen, it is the model's
-- k, and it carries the reason. Returns a row when not.
with

k_selection as (

    select * from {{ ref('fct_k_selection') }}

),

segmentation_model as (

    select * from {{ ref('dim_segmentation_model') }}

),

chosen as (

    select
        count(*) as chosen_rows,
        max(k) as chosen_k,
        bool_and(selection_reason is not null) as has_reason
    from k_selection
    where is_chosen

),

final as (

    select
        chosen.chosen_rows,
        chosen.chosen_k,
        segmentation_model.k as model_k
    from chosen
    cross join segmentation_model
    where
        chosen.chosen_rows != 1
        or chosen.chosen_k != segmentation_model.k
        or not chosen.has_reason

)

select * from final
