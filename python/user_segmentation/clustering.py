"""K-means fitting, canonical segment ids and nearest-centroid assignment.

Everything here is deterministic: every fit takes an explicit seed, BLAS and
OpenMP are held to one thread while fitting (scikit-learn's multi-threaded
reductions may sum in a different order on a different thread count, which
can move a centroid in its last bits), and the segments of a fit are renumbered
into a canonical order so that the same data always gives the same
``segment_id``:

* larger segments first (by the number of training users assigned to them),
* ties broken by the centroid coordinates, compared lexicographically.

:func:`assign_segments` is the Python twin of the SQL scoring model
``fct_user_segments``: exact Euclidean distances in float64, ties going to the
smaller segment id, so the two agree for every user.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assignment:
    """Nearest and second-nearest centroid of every row."""

    segment_id: np.ndarray  # int32, nearest centroid (canonical id)
    distance: np.ndarray  # float64, Euclidean distance to it
    second_segment_id: np.ndarray  # int32, second-nearest centroid (-1 when k == 1)
    second_distance: np.ndarray  # float64 (inf when k == 1)

    @property
    def margin(self) -> np.ndarray:
        """``second_distance - distance``: how much closer the chosen centroid is."""
        return self.second_distance - self.distance


@dataclass(frozen=True)
class KMeansFit:
    """A fitted k-means model with canonical segment ids."""

    centroids: np.ndarray  # (k, d) float64, row i is segment i
    labels: np.ndarray  # int32 canonical labels of the rows fitted on
    inertia: float  # sum of squared distances of the rows fitted on
    n_iter: int

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])


_CONTROLLER = None


@contextmanager
def single_threaded():
    """Hold BLAS and OpenMP to one thread: results then do not depend on the machine.

    On a small shared machine one thread is also the fastest: OpenMP threads
    competing for two busy cores are much slower than one.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        # finding the BLAS/OpenMP libraries scans the process's shared objects
        # (~2 ms); do it once, not on every fit
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1):
        yield


def squared_distances(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Exact squared Euclidean distances (n, k), summed coordinate by coordinate in float64.

    Not the ``|x|^2 - 2 x.c + |c|^2`` shortcut, which loses precision near ties.
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.empty((x.shape[0], centroids.shape[0]), dtype=np.float64)
    for j, centre in enumerate(np.asarray(centroids, dtype=np.float64)):
        diff = x - centre
        out[:, j] = np.einsum("ij,ij->i", diff, diff)
    return out


def assign_segments(x: np.ndarray, centroids: np.ndarray, chunk_rows: int = 65_536) -> Assignment:
    """Nearest and second-nearest centroid of every row of ``x`` (ties: smaller id)."""
    n = x.shape[0]
    k = centroids.shape[0]
    first = np.empty(n, dtype=np.int32)
    second = np.full(n, -1, dtype=np.int32)
    d1 = np.empty(n, dtype=np.float64)
    d2 = np.full(n, np.inf, dtype=np.float64)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        sq = squared_distances(x[start:stop], centroids)
        # stable sort: on equal distances the smaller segment id comes first
        order = np.argsort(sq, axis=1, kind="stable")
        rows = np.arange(stop - start)
        first[start:stop] = order[:, 0]
        d1[start:stop] = np.sqrt(sq[rows, order[:, 0]])
        if k > 1:
            second[start:stop] = order[:, 1]
            d2[start:stop] = np.sqrt(sq[rows, order[:, 1]])
    return Assignment(first, d1, second, d2)


def canonical_order(centroids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The permutation that puts segments in canonical order.

    Returns ``order`` such that ``centroids[order]`` lists the new segments
    0..k-1: most users first, ties broken by the centroid coordinates
    (lexicographic, smallest first).
    """
    k = centroids.shape[0]
    sizes = np.bincount(labels, minlength=k)
    # np.lexsort sorts by the last key first
    keys = [centroids[:, j] for j in range(centroids.shape[1] - 1, -1, -1)]
    return np.lexsort((*keys, -sizes))


def relabel(labels: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Map old labels to canonical ones given ``order`` from :func:`canonical_order`."""
    mapping = np.empty_like(order)
    mapping[order] = np.arange(order.size)
    return mapping[labels].astype(np.int32)


def _kmeans(k: int, seed: int, n_init: int, max_iter: int, init="k-means++") -> KMeans:
    return KMeans(
        n_clusters=k,
        init=init,
        n_init=n_init,
        max_iter=max_iter,
        tol=1e-4,
        algorithm="lloyd",
        random_state=seed,
    )


def fit_kmeans(
    x: np.ndarray,
    k: int,
    seed: int,
    n_init: int = 10,
    max_iter: int = 300,
    sample_weight: np.ndarray | None = None,
) -> KMeansFit:
    """K-means with ``n_init`` seeded k-means++ starts, best inertia kept, canonical ids."""
    x = np.asarray(x, dtype=np.float64)
    with single_threaded():
        model = _kmeans(k, seed, n_init, max_iter).fit(x, sample_weight=sample_weight)
    return _canonical_fit(x, model.cluster_centers_, int(model.n_iter_))


def refine_kmeans(x: np.ndarray, centroids: np.ndarray, max_iter: int = 300) -> KMeansFit:
    """Lloyd iterations on ``x`` started from ``centroids`` (one start, no randomness)."""
    x = np.asarray(x, dtype=np.float64)
    start = np.asarray(centroids, dtype=np.float64)
    with single_threaded():
        model = _kmeans(start.shape[0], 0, 1, max_iter, init=start).fit(x)
    return _canonical_fit(x, model.cluster_centers_, int(model.n_iter_))


def _canonical_fit(x: np.ndarray, centres: np.ndarray, n_iter: int) -> KMeansFit:
    # labels from the exact distances, so they are what the SQL scoring gives
    assignment = assign_segments(x, centres)
    order = canonical_order(centres, assignment.segment_id)
    centroids = np.ascontiguousarray(centres[order], dtype=np.float64)
    labels = relabel(assignment.segment_id, order)
    inertia = float(np.sum(assignment.distance**2))
    return KMeansFit(centroids=centroids, labels=labels, inertia=inertia, n_iter=n_iter)


def fit_final_model(x_train: np.ndarray, x_starts: np.ndarray, start: KMeansFit) -> KMeansFit:
    """The model that gets published: the chosen k's fit, refined on every training row.

    ``start`` is the chosen candidate's fit (best of ``n_init`` k-means++
    starts on the smaller k-selection sample ``x_starts``: on data without
    strong structure each start takes hundreds of Lloyd iterations, so running
    them on 200k rows would dominate the build).  Its centroids are refined by
    Lloyd iterations on all training rows ``x_train``; when the training rows
    are the k-selection sample the fit is published as it is, so the chosen
    row of ``fct_k_selection`` describes exactly the published model.
    """
    if x_train.shape == x_starts.shape and np.array_equal(x_train, x_starts):
        return start
    final = refine_kmeans(x_train, start.centroids)
    log.info(
        "final fit k=%d: refined on %d rows in %d iterations",
        start.k,
        x_train.shape[0],
        final.n_iter,
    )
    return final
