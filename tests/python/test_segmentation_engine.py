"""The segmentation engine in Python: k-selection rule, stability, canonical ids,
determinism and recovery of planted segments (no dbt here; see
test_segmentation_e2e.py for the built marts)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score
from user_segmentation import clustering, k_selection, quality, segmentation, stability, synthetic

# small samples keep the tests fast; the defaults are for real sizes
FAST = {
    "bootstrap_samples": 8,
    "k_selection_rows": 3_000,
    "stability_rows": 1_500,
    "silhouette_rows": 1_500,
}


def numeric_features(path) -> tuple[np.ndarray, np.ndarray]:
    """User ids and the standardised numeric columns of a generated file."""
    columns = ", ".join(f'"{spec.column}"::double' for spec in synthetic.NUMERICS)
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"select \"User ID\"::bigint, {columns} from read_csv('{path}', all_varchar = true)"
        ).fetchnumpy()
    finally:
        con.close()
    values = list(rows.values())
    x = np.column_stack(values[1:])
    return values[0], (x - x.mean(axis=0)) / x.std(axis=0)


def planted_labels(path) -> np.ndarray:
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"select planted_segment from read_csv('{path}.labels.csv') order by user_id"
        ).fetchall()
    finally:
        con.close()
    return np.array([r[0] for r in rows])


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "planted.csv"
    synthetic.write_users(path, n_users=6_000, seed=11, planted_segments=5)
    ids, x = numeric_features(path)
    return ids, x, planted_labels(path)


def candidate(k, ari, share=0.2, silhouette=0.1) -> k_selection.Candidate:
    return k_selection.Candidate(
        k=k,
        inertia=100.0 / k,
        silhouette=silhouette,
        davies_bouldin=1.0,
        calinski_harabasz=10.0,
        smallest_segment_share=share,
        stability_ari_mean=ari,
        stability_ari_sd=0.01,
    )


# --- k-selection rule -------------------------------------------------------


def test_rule_does_not_just_take_k2():
    choice = k_selection.choose_k([candidate(2, 0.99), candidate(3, 0.6), candidate(4, 0.8)])
    assert choice.k == 4
    assert not choice.is_override
    assert [c.is_chosen for c in choice.candidates] == [False, False, True]
    assert "most stable k above 2" in choice.reason


def test_rule_skips_candidates_with_a_too_small_segment():
    choice = k_selection.choose_k(
        [candidate(3, 0.7), candidate(4, 0.95, share=0.04), candidate(5, 0.8)],
        min_segment_share=0.05,
    )
    assert choice.k == 5
    assert [c.is_eligible for c in choice.candidates] == [True, False, True]


def test_rule_breaks_near_ties_by_silhouette_then_smaller_k():
    tied = [
        candidate(3, 0.90, silhouette=0.20),
        candidate(4, 0.91, silhouette=0.30),
        candidate(5, 0.92, silhouette=0.25),
        candidate(6, 0.60, silhouette=0.90),
    ]
    assert k_selection.choose_k(tied, stability_tolerance=0.02).k == 4
    assert k_selection.choose_k(tied, stability_tolerance=0.0).k == 5
    same = [candidate(3, 0.9, silhouette=0.2), candidate(4, 0.9, silhouette=0.2)]
    assert k_selection.choose_k(same).k == 3


def test_rule_fallbacks():
    # no k above 2 meets the size floor: k = 2 if it does
    choice = k_selection.choose_k([candidate(2, 0.5), candidate(3, 0.9, share=0.01)])
    assert choice.k == 2
    assert choice.reason.startswith("Fallback 1")
    # nobody meets it: the largest smallest segment
    choice = k_selection.choose_k(
        [candidate(2, 0.9, share=0.01), candidate(3, 0.5, share=0.03), candidate(4, 0.9, share=0.02)]
    )
    assert choice.k == 3
    assert choice.reason.startswith("Fallback 2")


def test_override_wins_and_is_marked():
    choice = k_selection.choose_k([candidate(2, 0.9), candidate(3, 0.1)], n_clusters=3)
    assert choice.k == 3 and choice.is_override
    assert "n_clusters" in choice.reason
    with pytest.raises(ValueError):
        k_selection.choose_k([candidate(2, 0.9)], n_clusters=7)


def test_rule_text_names_the_settings():
    text = k_selection.rule_text(0.05, 0.02)
    assert "5%" in text and "0.02" in text and "n_clusters" in text


# --- stability ----------------------------------------------------------------


def test_adjusted_rand_index_matches_scikit_learn():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.integers(0, rng.integers(1, 6), size=300)
        b = np.where(rng.random(300) < 0.7, a, rng.integers(0, 4, size=300))
        assert stability.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b))
    assert stability.adjusted_rand_index([0, 0, 1, 1], [5, 5, 2, 2]) == 1.0


def test_segment_jaccard_is_one_for_the_same_partition_and_low_for_noise():
    rng = np.random.default_rng(5)
    reference = rng.integers(0, 3, size=600)
    permuted = np.array([2, 0, 1])[reference]
    drawn = rng.random((2, 600)) < 0.6
    same = stability.BootstrapRun(k=3, pool_labels=np.stack([permuted, permuted]), drawn=drawn)
    assert np.allclose(stability.segment_jaccard(reference, same, 3), 1.0)
    noise = stability.BootstrapRun(
        k=3, pool_labels=rng.integers(0, 3, size=(2, 600)).astype(np.int32), drawn=drawn
    )
    assert np.all(stability.segment_jaccard(reference, noise, 3) < 0.5)


def test_stability_and_silhouette_bands():
    assert stability.stability_label(0.75) == "stable"
    assert stability.stability_label(0.74) == "doubtful"
    assert stability.stability_label(0.5) == "dissolved"
    assert quality.silhouette_band(0.51) == "reasonable"
    assert quality.silhouette_band(0.5) == "weak"
    assert quality.silhouette_band(0.25) == "weak"
    assert quality.silhouette_band(0.24) == "none"
    assert "no substantial structure" in quality.structure_statement(0.11)


def test_bootstrap_is_stable_on_planted_data_and_not_on_noise(planted):
    _, x, _ = planted
    pool = x[:1_000]
    good = stability.pairwise_ari(stability.bootstrap_clusterings(pool, 5, 6, seed=1))
    assert good.mean() > 0.95
    noise = np.random.default_rng(0).normal(size=(1_000, 7))
    bad = stability.pairwise_ari(stability.bootstrap_clusterings(noise, 5, 6, seed=1))
    assert bad.mean() < 0.8


# --- fitting and canonical ids ------------------------------------------------


def test_assign_segments_ties_go_to_the_smaller_id():
    centroids = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 5.0]])
    x = np.array([[0.0, 0.0], [0.9, 0.0], [0.0, 4.0]])
    got = clustering.assign_segments(x, centroids)
    assert got.segment_id.tolist() == [0, 0, 2]
    assert got.second_segment_id.tolist() == [1, 1, 0]
    assert np.allclose(got.distance, [1.0, 0.1, 1.0])
    assert np.all(got.margin >= 0)


def test_canonical_order_is_size_then_coordinates():
    centroids = np.array([[5.0, 0.0], [1.0, 2.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 2, 2, 0, 0])
    order = clustering.canonical_order(centroids, labels)
    assert order.tolist() == [0, 2, 1]
    assert clustering.relabel(labels, order).tolist() == [0, 2, 2, 1, 1, 0, 0]


def test_planted_segments_are_recovered(planted):
    ids, x, truth = planted
    result = segmentation.train(ids, x, segmentation.Settings(**FAST))
    assert result.k == 5
    chosen = [c for c in result.choice.candidates if c.is_chosen]
    assert [c.k for c in chosen] == [5]
    ari = adjusted_rand_score(truth[result.user_ids - 1], result.training_segment_id)
    assert ari >= 0.9
    assert result.silhouette_band == "reasonable"
    assert all(s.label == "stable" for s in result.segment_stability)


def test_same_data_same_result_whatever_the_row_order(planted):
    ids, x, _ = planted
    settings = segmentation.Settings(k_max=6, **FAST)
    first = segmentation.result_to_arrow(segmentation.train(ids, x, settings))
    shuffle = np.random.default_rng(9).permutation(ids.size)
    second = segmentation.result_to_arrow(segmentation.train(ids[shuffle], x[shuffle], settings))
    assert first.equals(second)


def test_override_is_fitted_even_outside_the_range(planted):
    ids, x, _ = planted
    settings = segmentation.Settings(k_min=2, k_max=4, n_clusters=7, **FAST)
    result = segmentation.train(ids, x, settings)
    assert result.k == 7
    assert result.choice.is_override
    assert [c.k for c in result.choice.candidates] == [2, 3, 4, 7]
    table = segmentation.result_to_arrow(result)
    assert table.column("is_k_overridden").to_pylist() == [True]
    assert len(table.column("centroids")[0]) == 7


def test_training_is_capped_at_max_train_rows(planted):
    ids, x, _ = planted
    result = segmentation.train(ids, x, segmentation.Settings(max_train_rows=2_000, **FAST))
    assert result.sample_sizes["training_rows"] == 2_000
    assert result.input_rows == ids.size
    assert np.all(np.diff(result.user_ids) > 0)
    # the published labels are the exact nearest centroids of the training rows
    rows = np.searchsorted(ids, result.user_ids)
    nearest = clustering.assign_segments(x[rows], result.model.centroids).segment_id
    assert np.array_equal(nearest, result.training_segment_id)


def test_settings_from_dbt_config_text():
    config = {"k_min": "3", "k_max": 6, "n_clusters": "none", "min_segment_share": "0.1"}
    settings = segmentation.Settings.from_config(config.get)
    assert (settings.k_min, settings.k_max, settings.n_clusters) == (3, 6, None)
    assert settings.min_segment_share == 0.1
    assert segmentation.Settings.from_config({"n_clusters": "4"}.get).n_clusters == 4
    with pytest.raises(ValueError):
        segmentation.Settings(k_min=1)


def test_too_few_distinct_users_is_a_clear_error():
    x = np.repeat(np.array([[0.0, 1.0]]), 50, axis=0)
    with pytest.raises(ValueError, match="distinct"):
        segmentation.train(np.arange(50), x, segmentation.Settings(**FAST))


def test_result_does_not_depend_on_thread_settings(tmp_path):
    """Same bytes with BLAS/OpenMP allowed 1 or 2 threads (fits are pinned to one)."""
    import os
    import subprocess
    import sys

    script = tmp_path / "train.py"
    script.write_text(
        "import hashlib, sys, numpy as np, pyarrow as pa\n"
        "from user_segmentation import segmentation\n"
        "rng = np.random.default_rng(4)\n"
        "x = np.vstack([rng.normal(c, 1.0, size=(700, 6)) for c in (0.0, 4.0, 8.0)])\n"
        "settings = segmentation.Settings(k_max=4, bootstrap_samples=4, stability_rows=500,"
        " silhouette_rows=500, k_selection_rows=1500)\n"
        "table = segmentation.result_to_arrow(segmentation.train(np.arange(len(x)), x, settings))\n"
        "sink = pa.BufferOutputStream()\n"
        "with pa.ipc.new_stream(sink, table.schema) as writer:\n"
        "    writer.write_table(table)\n"
        "print(hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest())\n"
    )
    digests = set()
    for threads in ("1", "2"):
        env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads}
        done = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_result_does_not_depend_on_how_many_candidates_run_at_once(planted, monkeypatch):
    """Candidate k are evaluated on parallel threads; one thread gives the same bytes."""
    ids, x, _ = planted
    settings = segmentation.Settings(k_max=6, **FAST)
    monkeypatch.setattr(segmentation, "evaluation_workers", lambda candidates: 2)
    parallel = segmentation.result_to_arrow(segmentation.train(ids, x, settings))
    monkeypatch.setattr(segmentation, "evaluation_workers", lambda candidates: 1)
    serial = segmentation.result_to_arrow(segmentation.train(ids, x, settings))
    assert parallel.equals(serial)


def test_shared_silhouette_distances_give_scikit_learns_silhouette(planted, monkeypatch):
    from sklearn.metrics import silhouette_score

    _, x, truth = planted
    rows = x[:1_200]
    labels = truth[:1_200]
    expected = silhouette_score(rows, labels, metric="euclidean")
    shared = segmentation.silhouette_distances(rows)
    assert shared is not None
    assert segmentation._safe_silhouette(rows, shared, labels) == expected
    # above the bound nothing is shared (memory would grow with the square)
    monkeypatch.setattr(segmentation, "SHARED_SILHOUETTE_ROWS", 1_000)
    assert segmentation.silhouette_distances(rows) is None
    assert segmentation._safe_silhouette(rows, None, labels) == expected


def test_training_is_the_same_whether_silhouette_distances_are_shared(planted, monkeypatch):
    ids, x, _ = planted
    settings = segmentation.Settings(k_max=4, **FAST)
    shared = segmentation.result_to_arrow(segmentation.train(ids, x, settings))
    monkeypatch.setattr(segmentation, "SHARED_SILHOUETTE_ROWS", 10)
    per_k = segmentation.result_to_arrow(segmentation.train(ids, x, settings))
    assert shared.equals(per_k)
