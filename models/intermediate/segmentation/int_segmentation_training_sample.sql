-- The users the segmentation is trained on: all of them, or a seeded sample
-- of max_train_rows when there are more. The sample is chosen by a hash of
-- (user_id, seed), so it depends on neither the input order nor the threads.
-- The sampled users are scaled here with the same macro as
-- int_user_features_scaled (same vector, value for value: checked by the test
-- assert_training_sample_matches_scaled_features), so the training does not
-- wait for every user to be scaled.

with

user_features as (

    select * from {{ ref('fct_user_features') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

sampled_users as (

    select *
    from user_features
    order by hash(user_id, {{ var('segmentation_seed') | int }}), user_id
    limit {{ var('max_train_rows') | int }}

),

{{ scaled_features_ctes('sampled_users', 'scaling_parameters') }}

final as (

    select
        user_id,
        features
    from scaled_features

)

select * from final
order by user_id
