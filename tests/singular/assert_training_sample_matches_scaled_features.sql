-- The training sample scales its users itself (macro scaled_features_ctes) so
-- that the training need not wait for every user to be scaled. Its vectors
-- must be exactly those of int_user_features_scaled for the same users, or the
-- model would be fitted on other numbers than the SQL scoring uses. Returns
-- each sampled user that is missing from int_user_features_scaled or whose
-- vector differs in any element. One hash join of the sample (at most
-- max_train_rows users) with the scaled table.
with

training_sample as (

    select * from {{ ref('int_segmentation_training_sample') }}

),

scaled_users as (

    select * from {{ ref('int_user_features_scaled') }}

),

final as (

    select
        training_sample.user_id,
        training_sample.features as sample_features,
        scaled_users.features as scaled_features
    from training_sample
    left join scaled_users
        on training_sample.user_id = scaled_users.user_id
    where scaled_users.features is distinct from training_sample.features

)

select * from final
