-- One row: the segmentation model this database was scored with, and
-- everything needed to explain it later: k and how it was chosen, settings,
-- samples, library versions, the feature list with weights and scaling
-- parameters, and fingerprints of the training data and of the scored input.

with

segmentation_model as (

    select * from {{ ref('int_segmentation_model') }}

),

scaling_parameters as (

    select * from {{ ref('int_feature_scaling_parameters') }}

),

user_features as (

    select * from {{ ref('int_user_features_scaled') }}

),

feature_list as (

    select
        string_agg(model_feature_id, ', ' order by feature_position) as feature_list,
        list(
            {
                'model_feature_id': model_feature_id,
                'feature_position': feature_position,
                'weight': weight,
                'mean_value': mean_value,
                'stddev_value': stddev_value
            }
            order by feature_position
        ) as feature_parameters
    from scaling_parameters

),

scored_input as (

    -- order-independent: xor of one hash per user
    select
        count(*) as scored_users,
        lpad(lower(hex(bit_xor(hash(user_id, features)))), 16, '0') as scored_input_fingerprint
    from user_features

),

final as (

    select
        -- ids
        segmentation_model.segmentation_model_id,

        -- the choice of k
        segmentation_model.k,
        segmentation_model.is_k_overridden,
        segmentation_model.selection_rule,
        segmentation_model.selection_reason,
        segmentation_model.k_min,
        segmentation_model.k_max,
        segmentation_model.n_clusters,
        segmentation_model.min_segment_share,
        segmentation_model.stability_tolerance,

        -- fitting
        segmentation_model.seed,
        segmentation_model.n_init,
        segmentation_model.max_iter,
        segmentation_model.bootstrap_samples,
        segmentation_model.final_inertia,
        segmentation_model.final_n_iter,

        -- data
        segmentation_model.max_train_rows,
        segmentation_model.input_rows,
        segmentation_model.training_rows,
        segmentation_model.k_selection_rows,
        segmentation_model.stability_rows,
        segmentation_model.silhouette_rows,
        segmentation_model.feature_count,
        feature_list.feature_list,
        feature_list.feature_parameters,
        segmentation_model.training_fingerprint,
        scored_input.scored_users,
        scored_input.scored_input_fingerprint,

        -- versions
        segmentation_model.python_version,
        segmentation_model.numpy_version,
        segmentation_model.scikit_learn_version,
        segmentation_model.duckdb_version,
        segmentation_model.user_segmentation_version,

        -- this build
        {{ 'true' if segmentation_refit() else 'false' }} as is_refit_build,
        '{{ segmentation_model_dir() }}' as model_dir

    from segmentation_model
    cross join feature_list
    cross join scored_input

)

select * from final
