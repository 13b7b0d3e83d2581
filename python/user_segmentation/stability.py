"""Bootstrap stability of a clustering: how much do the segments survive resampling?

For a candidate k, ``B`` seeded bootstrap resamples (drawn with replacement)
of a fixed pool of users are clustered independently; each resampled model
then labels the whole pool, so every pair of resamples can be compared on the
same users:

* **mean adjusted Rand index (ARI)** over all pairs of resamples: 1 means the
  resamples always find the same partition, 0 means no more agreement than
  chance;
* **per-segment Jaccard** (Hennig's cluster-wise stability): for every segment
  of the published model and every resample, the Jaccard similarity between
  the segment's members drawn into the resample and the most similar segment
  the resample found for those users, averaged over resamples.  A segment with
  mean Jaccard >= 0.75 is *stable*; <= 0.5 it has *dissolved* (it is not
  found again when the data is perturbed); in between it is *doubtful*.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from user_segmentation.clustering import assign_segments, fit_kmeans

STABLE_JACCARD = 0.75
DISSOLVED_JACCARD = 0.5


@dataclass(frozen=True)
class BootstrapRun:
    """The clusterings of ``B`` resamples of one pool at one k."""

    k: int
    pool_labels: np.ndarray  # (B, m) int32: each resample's model labelling the whole pool
    drawn: np.ndarray  # (B, m) bool: which pool rows were drawn into each resample

    @property
    def n_resamples(self) -> int:
        return int(self.pool_labels.shape[0])


def _comb2(values: np.ndarray) -> float:
    values = values.astype(np.float64)
    return float(np.sum(values * (values - 1.0)) / 2.0)


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same rows (Hubert and Arabie).

    Same value as ``sklearn.metrics.adjusted_rand_score``, computed from one
    contingency table with ``np.bincount`` (it is called thousands of times).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.shape != b.shape:
        raise ValueError("labelings must have the same length")
    n = a.size
    if n < 2:
        return 1.0
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    kb = int(b.max()) + 1
    table = np.bincount(a * kb + b, minlength=(int(a.max()) + 1) * kb)
    sum_cells = _comb2(table)
    sum_a = _comb2(np.bincount(a))
    sum_b = _comb2(np.bincount(b))
    total = n * (n - 1) / 2.0
    expected = sum_a * sum_b / total
    maximum = (sum_a + sum_b) / 2.0
    if maximum == expected:
        # both labelings trivial (one cluster each, or all singletons): identical
        return 1.0
    return float((sum_cells - expected) / (maximum - expected))


def bootstrap_clusterings(
    pool: np.ndarray,
    k: int,
    n_resamples: int,
    seed: int,
    n_init: int = 1,
    max_iter: int = 300,
) -> BootstrapRun:
    """Cluster ``n_resamples`` seeded bootstrap resamples of ``pool`` at ``k``.

    Resample ``b`` uses the random stream ``(seed, k, b)``, so adding a
    candidate k or more resamples never changes the others.  A resample is a
    draw of ``m`` rows with replacement, fitted with per-row counts as weights
    (the same fit as on the duplicated rows, without copying them).
    """
    pool = np.asarray(pool, dtype=np.float64)
    m = pool.shape[0]
    labels = np.empty((n_resamples, m), dtype=np.int32)
    drawn = np.zeros((n_resamples, m), dtype=bool)
    for b in range(n_resamples):
        rng = np.random.default_rng([seed, 1_000 + k, b])
        counts = np.bincount(rng.integers(0, m, size=m), minlength=m)
        rows = np.flatnonzero(counts)
        fit_seed = int(rng.integers(0, 2**31 - 1))
        fit = fit_kmeans(
            pool[rows],
            k,
            seed=fit_seed,
            n_init=n_init,
            max_iter=max_iter,
            sample_weight=counts[rows].astype(np.float64),
        )
        labels[b] = assign_segments(pool, fit.centroids).segment_id
        drawn[b, rows] = True
    return BootstrapRun(k=k, pool_labels=labels, drawn=drawn)


def pairwise_ari(run: BootstrapRun) -> np.ndarray:
    """ARI of every pair of resamples (on the whole pool); empty when B < 2."""
    values = []
    for i in range(run.n_resamples):
        for j in range(i + 1, run.n_resamples):
            values.append(adjusted_rand_index(run.pool_labels[i], run.pool_labels[j]))
    return np.array(values, dtype=np.float64)


def segment_jaccard(reference: np.ndarray, run: BootstrapRun, k: int) -> np.ndarray:
    """Best-match Jaccard of every reference segment in every resample: shape (k, B).

    ``reference`` labels the pool with the published model (segment ids
    0..k-1).  Only pool rows drawn into resample ``b`` take part in column
    ``b``.  A segment with no member drawn into a resample gets NaN there.
    """
    reference = np.asarray(reference, dtype=np.int64)
    out = np.full((k, run.n_resamples), np.nan, dtype=np.float64)
    for b in range(run.n_resamples):
        mask = run.drawn[b]
        ref = reference[mask]
        boot = run.pool_labels[b][mask].astype(np.int64)
        kb = int(run.k)
        both = np.bincount(ref * kb + boot, minlength=k * kb).reshape(k, kb)
        ref_sizes = both.sum(axis=1)
        boot_sizes = both.sum(axis=0)
        union = ref_sizes[:, None] + boot_sizes[None, :] - both
        with np.errstate(invalid="ignore", divide="ignore"):
            jaccard = np.where(union > 0, both / np.maximum(union, 1), 0.0)
        best = jaccard.max(axis=1)
        out[:, b] = np.where(ref_sizes > 0, best, np.nan)
    return out


def stability_label(jaccard_mean: float) -> str:
    """``stable`` (>= 0.75), ``dissolved`` (<= 0.5) or ``doubtful`` (in between)."""
    if jaccard_mean >= STABLE_JACCARD:
        return "stable"
    if jaccard_mean <= DISSOLVED_JACCARD:
        return "dissolved"
    return "doubtful"
