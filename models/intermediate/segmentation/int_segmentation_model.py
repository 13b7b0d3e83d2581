"""Train the segmentation model: one row with everything the marts unnest.

Thin wrapper: reads the training sample as Arrow, reads its settings, calls
``user_segmentation.segmentation.train`` and returns the one-row model table.
With ``refit: false`` nothing is fitted: the model saved in ``model_dir`` by
the last successful refit build is returned instead.
"""

from user_segmentation import segmentation


def model(dbt, session):
    dbt.config(materialized="table")
    refit = dbt.config.get("refit")
    model_dir = dbt.config.get("model_dir")
    k_min = dbt.config.get("k_min")
    k_max = dbt.config.get("k_max")
    n_clusters = dbt.config.get("n_clusters")
    seed = dbt.config.get("seed")
    n_init = dbt.config.get("n_init")
    bootstrap_samples = dbt.config.get("bootstrap_samples")
    max_train_rows = dbt.config.get("max_train_rows")
    k_selection_rows = dbt.config.get("k_selection_rows")
    stability_rows = dbt.config.get("stability_rows")
    silhouette_rows = dbt.config.get("silhouette_rows")
    min_segment_share = dbt.config.get("min_segment_share")
    stability_tolerance = dbt.config.get("stability_tolerance")

    sample = dbt.ref("int_segmentation_training_sample")
    everyone = dbt.ref("fct_user_features")
    if not segmentation.is_true(refit):
        return segmentation.load_saved_model(model_dir)

    settings = segmentation.Settings.from_config(
        {
            "k_min": k_min,
            "k_max": k_max,
            "n_clusters": n_clusters,
            "seed": seed,
            "n_init": n_init,
            "bootstrap_samples": bootstrap_samples,
            "max_train_rows": max_train_rows,
            "k_selection_rows": k_selection_rows,
            "stability_rows": stability_rows,
            "silhouette_rows": silhouette_rows,
            "min_segment_share": min_segment_share,
            "stability_tolerance": stability_tolerance,
        }.get
    )
    input_rows = everyone.count("*").fetchall()[0][0]
    user_ids, features = segmentation.features_from_arrow(sample.to_arrow_table())
    result = segmentation.train(user_ids, features, settings, input_rows=input_rows)
    segmentation.prepare_model_dir(model_dir)
    return segmentation.result_to_arrow(result)
