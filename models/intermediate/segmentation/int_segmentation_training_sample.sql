-- The users the segmentation is trained on: all of them, or a seeded sample
-- of max_train_rows when there are more. The sample is chosen by a hash of
-- (user_id, seed), so it depends on neither the input order nor the threads.

with

features as (

    select * from {{ ref('int_user_features_scaled') }}

),

final as (

    select
        user_id,
        features
    from features
    order by hash(user_id, {{ var('segmentation_seed') | int }}), user_id
    limit {{ var('max_train_rows') | int }}

)

select * from final
order by user_id
