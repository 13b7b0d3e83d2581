"""The segmentation engine end to end: dbt build on generated files with planted
segments, SQL scoring against Python, determinism, the n_clusters override and
scoring new users with a saved model (refit: false)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from conftest import query
from sklearn.metrics import adjusted_rand_score
from user_segmentation import clustering, runner, segmentation, synthetic

pytestmark = pytest.mark.e2e

# smaller samples than the defaults keep each build short
FAST_VARS = {"bootstrap_samples": 10, "k_selection_rows": 4000, "stability_rows": 2000}

MARTS = (
    "marts.fct_user_segments",
    "marts.fct_k_selection",
    "marts.dim_segment_centroids",
    "marts.fct_segment_stability",
    "marts.dim_segmentation_quality",
)


def build(tmp, data, name, model_dir, threads=2, **dbt_vars):
    database = tmp / f"{name}.duckdb"
    runner.build(
        data,
        database,
        threads=threads,
        capture=True,
        dbt_vars={**FAST_VARS, "model_dir": str(model_dir), **dbt_vars},
    )
    return database


def export_bytes(database, table, order_by) -> bytes:
    """The table as CSV bytes, rows in a fixed order."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(f"select * from {table} order by {order_by}").fetchall()
    finally:
        con.close()
    return repr(rows).encode()


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    data = synthetic.write_users(folder / "planted.csv", n_users=5000, seed=3, planted_segments=5)
    database = build(folder, data, "first", folder / "model")
    return folder, data, database


def test_planted_segments_recovered_with_ari_above_0_9(planted):
    folder, data, database = planted
    assert query(database, "select k, is_k_overridden from marts.dim_segmentation_model") == [(5, False)]
    chosen = query(database, "select k from marts.fct_k_selection where is_chosen")
    assert chosen == [(5,)]
    truth = dict(duckdb.sql(f"select user_id, planted_segment from read_csv('{data}.labels.csv')").fetchall())
    found = query(database, "select user_id, segment_id from marts.fct_user_segments")
    assert len(found) == len(truth)
    ari = adjusted_rand_score([truth[u] for u, _ in found], [s for _, s in found])
    assert ari >= 0.9


def test_sql_scoring_agrees_with_python_for_every_user(planted):
    _, _, database = planted
    con = duckdb.connect(str(database), read_only=True)
    try:
        table = con.sql(
            "select user_id, features from intermediate.int_user_features_scaled order by user_id"
        ).to_arrow_table()
        centroids = con.execute(
            "select centroid from intermediate.int_segment_centroids order by segment_id"
        ).fetchall()
        sql = con.execute(
            "select segment_id, distance_to_centroid, second_segment_id, assignment_margin "
            "from marts.fct_user_segments order by user_id"
        ).fetchnumpy()
    finally:
        con.close()
    user_ids, x = segmentation.features_from_arrow(table)
    python = clustering.assign_segments(x, np.array([c[0] for c in centroids]))
    assert len(user_ids) == len(sql["segment_id"])
    assert np.array_equal(python.segment_id, sql["segment_id"])
    assert np.array_equal(python.second_segment_id, sql["second_segment_id"])
    assert np.allclose(python.distance, sql["distance_to_centroid"], rtol=1e-12, atol=1e-12)
    assert np.allclose(python.margin, sql["assignment_margin"], rtol=1e-9, atol=1e-9)


def test_two_builds_give_the_same_bytes(planted):
    folder, data, first = planted
    # another database, another model folder and another thread count
    second = build(folder, data, "second", folder / "model_again", threads=1)
    for table in MARTS:
        order = "all"
        assert export_bytes(first, table, order) == export_bytes(second, table, order), table
    model = "segmentation_model_id, training_fingerprint, scored_input_fingerprint, k"
    assert query(first, f"select {model} from marts.dim_segmentation_model") == query(
        second, f"select {model} from marts.dim_segmentation_model"
    )


def test_saved_model_scores_new_users_without_refitting(planted, tmp_path):
    folder, _, first = planted
    model_file = folder / "model" / segmentation.MODEL_FILE
    saved = model_file.read_bytes()
    new_users = synthetic.write_users(tmp_path / "new.csv", n_users=700, seed=99, planted_segments=5)
    scored = build(tmp_path, new_users, "scored", folder / "model", refit=False)
    columns = "segmentation_model_id, k, training_fingerprint"
    assert query(scored, f"select {columns} from marts.dim_segmentation_model") == query(
        first, f"select {columns} from marts.dim_segmentation_model"
    )
    assert query(scored, "select is_refit_build, scored_users from marts.dim_segmentation_model") == [
        (False, 700)
    ]
    # the scaling parameters are the saved ones, not refitted on the new users
    params = "select * from intermediate.int_feature_scaling_parameters order by all"
    assert query(scored, params) == query(first, params)
    # and the saved model was not overwritten
    assert model_file.read_bytes() == saved


def test_refit_false_without_a_saved_model_is_refused(planted, tmp_path):
    _, data, _ = planted
    with pytest.raises(runner.BuildError) as error:
        build(tmp_path, data, "nomodel", tmp_path / "nowhere", refit=False)
    assert "no saved model" in str(error.value) or "nowhere" in str(error.value)


def test_n_clusters_overrides_the_rule(planted, tmp_path):
    _, data, _ = planted
    database = build(tmp_path, data, "override", tmp_path / "model", n_clusters=3)
    assert query(database, "select k, is_k_overridden from marts.dim_segmentation_model") == [(3, True)]
    assert query(database, "select k from marts.fct_k_selection where is_chosen") == [(3,)]
    ids = query(database, "select distinct segment_id from marts.fct_user_segments order by 1")
    assert ids == [(0,), (1,), (2,)]


@pytest.mark.reference
def test_reference_file_gets_an_honest_quality_statement(reference_csv, tmp_path):
    database = build(tmp_path, reference_csv, "reference", tmp_path / "model")
    rows = query(
        database,
        "select k, silhouette, silhouette_band, quality_statement from marts.dim_segmentation_quality",
    )
    assert len(rows) == 1
    k, silhouette, band, statement = rows[0]
    assert 2 <= k <= 8
    # the reference data has no strong structure (shared/DATA.md): never "reasonable"
    assert band in ("weak", "none")
    assert f"{silhouette:.2f}" in statement
