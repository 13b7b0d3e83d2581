"""Train the segmentation: evaluate candidate k, choose, fit, measure stability.

:func:`train` is what the dbt Python model ``int_segmentation_model`` calls.
Input: the users' model-ready feature matrix (already weighted and
standardised by the SQL feature models) and their ids.  Output: a
:class:`SegmentationResult`, turned by :func:`result_to_arrow` into the one-row
table the SQL marts unnest (centroids, per-k figures, per-segment stability,
the training users' assignments, settings, versions and a fingerprint).

Samples (all seeded, nested, drawn from the training users sorted by id, so
the result depends on the data and the settings only):

* training sample: at most ``max_train_rows`` users (the dbt model draws it in
  SQL; :func:`train` draws it again only when given more rows);
* k-selection sample (``k_selection_rows``): every candidate k is fitted on
  it (best of ``n_init`` starts), and the chosen k's fit is refined on all
  training users to become the published model;
* stability pool (``stability_rows``): the users the bootstrap resamples are
  drawn from and compared on;
* silhouette sample (``silhouette_rows``): silhouette is quadratic in rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances_chunked,
    silhouette_score,
)

from user_segmentation import __version__ as package_version
from user_segmentation.clustering import (
    KMeansFit,
    assign_segments,
    fit_final_model,
    fit_kmeans,
    single_threaded,
)
from user_segmentation.k_selection import Candidate, Choice, choose_k
from user_segmentation.quality import (
    quality_statement,
    silhouette_band,
    stability_statement,
    structure_statement,
)
from user_segmentation.stability import (
    BootstrapRun,
    bootstrap_clusterings,
    pairwise_ari,
    segment_jaccard,
    stability_label,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """Every knob of the training, with the defaults of the dbt vars."""

    k_min: int = 2
    k_max: int = 8
    n_clusters: int | None = None
    seed: int = 42
    n_init: int = 10
    max_iter: int = 300
    bootstrap_samples: int = 20
    max_train_rows: int = 200_000
    k_selection_rows: int = 10_000
    stability_rows: int = 4_000
    silhouette_rows: int = 2_000
    min_segment_share: float = 0.05
    stability_tolerance: float = 0.02

    def __post_init__(self) -> None:
        if self.k_min < 2:
            raise ValueError(f"k_min must be at least 2, got {self.k_min}")
        if self.k_max < self.k_min:
            raise ValueError(f"k_max ({self.k_max}) must be >= k_min ({self.k_min})")
        if self.n_clusters is not None and self.n_clusters < 2:
            raise ValueError(f"n_clusters must be at least 2 (or null), got {self.n_clusters}")
        if self.bootstrap_samples < 2:
            raise ValueError("bootstrap_samples must be at least 2 (stability compares pairs)")
        if not 0.0 <= self.min_segment_share < 1.0:
            raise ValueError("min_segment_share must be in [0, 1)")
        for name in ("n_init", "max_iter", "max_train_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("k_selection_rows", "stability_rows", "silhouette_rows"):
            if getattr(self, name) < 10:
                raise ValueError(f"{name} must be at least 10")

    @property
    def candidate_ks(self) -> list[int]:
        ks = set(range(self.k_min, self.k_max + 1))
        if self.n_clusters is not None:
            ks.add(self.n_clusters)
        return sorted(ks)

    @classmethod
    def from_config(cls, get: Callable[[str], Any]) -> Settings:
        """Read the settings with ``get(name)`` (e.g. dbt's ``config.get``); None keeps defaults.

        Values may arrive as text (dbt renders vars into strings); an empty
        text, ``none`` or ``null`` means "not set".
        """
        values: dict[str, Any] = {}
        for name, fld in cls.__dataclass_fields__.items():
            raw = get(name)
            if raw is None:
                continue
            if isinstance(raw, str):
                text = raw.strip()
                if text.lower() in ("", "none", "null"):
                    if name == "n_clusters":
                        values[name] = None
                    continue
                raw = text
            kind = float if fld.type == "float" else int
            values[name] = kind(float(raw)) if kind is int else kind(raw)
        return cls(**values)


@dataclass(frozen=True)
class SegmentStability:
    segment_id: int
    jaccard_mean: float
    jaccard_min: float
    stable_resamples: int  # resamples where the segment's Jaccard >= 0.75
    dissolved_resamples: int  # resamples where it is <= 0.5
    resamples: int  # resamples with at least one member of the segment
    label: str


@dataclass(frozen=True)
class SegmentationResult:
    settings: Settings
    choice: Choice
    model: KMeansFit  # the published model (canonical ids)
    user_ids: np.ndarray  # training users, sorted
    training_segment_id: np.ndarray  # their segment (exact nearest centroid)
    input_rows: int  # users the training sample was drawn from
    sample_sizes: dict[str, int]
    silhouette: float  # published model, on the silhouette sample
    stability_ari_mean: float  # at the chosen k
    segment_stability: tuple[SegmentStability, ...]
    training_fingerprint: str
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return self.model.k

    @property
    def silhouette_band(self) -> str:
        return silhouette_band(self.silhouette)

    @property
    def quality_statement(self) -> str:
        return quality_statement(
            self.k,
            self.silhouette,
            self.stability_ari_mean,
            [s.label for s in self.segment_stability],
            self.settings.bootstrap_samples,
        )


def seeded_subsample(n: int, size: int, seed: int, stream: int) -> np.ndarray:
    """Sorted row positions of a seeded sample of ``size`` out of ``n`` (all when smaller)."""
    if size >= n:
        return np.arange(n)
    rng = np.random.default_rng([seed, stream])
    return np.sort(rng.choice(n, size=size, replace=False))


def fingerprint(user_ids: np.ndarray, x: np.ndarray) -> str:
    """sha256 of the user ids and feature values fitted on (row order as given)."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(user_ids, dtype="<i8").tobytes())
    digest.update(np.ascontiguousarray(x, dtype="<f8").tobytes())
    return digest.hexdigest()


def _distinct_rows(x: np.ndarray) -> int:
    return int(np.unique(x, axis=0).shape[0])


# Largest silhouette sample whose distance matrix is shared (4,096 rows: 128 MiB
# of float64); a larger silhouette_rows computes the distances per k in
# scikit-learn's bounded chunks instead, so memory never grows with its square.
SHARED_SILHOUETTE_ROWS = 4_096


def silhouette_distances(x: np.ndarray) -> np.ndarray | None:
    """Euclidean distances between the rows of the silhouette sample, computed once.

    Every candidate k (and the published model) is scored on the same rows,
    so the (n, n) matrix is shared instead of recomputed per k.  It is built
    from the same chunks :func:`silhouette_score` computes internally, so the
    scores are the same to the last bit.  None above
    :data:`SHARED_SILHOUETTE_ROWS` rows.
    """
    if x.shape[0] > SHARED_SILHOUETTE_ROWS:
        return None
    with single_threaded():
        return np.vstack(list(pairwise_distances_chunked(x, metric="euclidean")))


def _safe_silhouette(x: np.ndarray, distances: np.ndarray | None, labels: np.ndarray) -> float:
    """Mean silhouette of ``labels`` on ``x``, from the shared ``distances`` when given."""
    present = np.unique(labels).size
    if present < 2 or present >= x.shape[0]:
        return float("nan")
    with single_threaded():
        if distances is None:
            return float(silhouette_score(x, labels, metric="euclidean"))
        return float(silhouette_score(distances, labels, metric="precomputed"))


def _evaluate(
    k: int,
    x_sel: np.ndarray,
    x_sil: np.ndarray,
    d_sil: np.ndarray | None,
    x_pool: np.ndarray,
    s: Settings,
) -> tuple[Candidate, BootstrapRun, KMeansFit]:
    fit = fit_kmeans(x_sel, k, seed=s.seed + 7_919 * k, n_init=s.n_init, max_iter=s.max_iter)
    sizes = np.bincount(fit.labels, minlength=k)
    present = int(np.count_nonzero(sizes))
    if present >= 2:
        db = float(davies_bouldin_score(x_sel, fit.labels))
        ch = float(calinski_harabasz_score(x_sel, fit.labels))
    else:
        db = ch = float("nan")
    sil = _safe_silhouette(x_sil, d_sil, assign_segments(x_sil, fit.centroids).segment_id)
    run = bootstrap_clusterings(x_pool, k, s.bootstrap_samples, s.seed, max_iter=s.max_iter)
    aris = pairwise_ari(run)
    candidate = Candidate(
        k=k,
        inertia=fit.inertia,
        silhouette=sil,
        davies_bouldin=db,
        calinski_harabasz=ch,
        smallest_segment_share=float(sizes.min() / x_sel.shape[0]),
        stability_ari_mean=float(aris.mean()),
        stability_ari_sd=float(aris.std()),
    )
    log.info(
        "k=%d: silhouette %.3f, ARI %.3f, smallest share %.3f",
        k,
        sil,
        candidate.stability_ari_mean,
        candidate.smallest_segment_share,
    )
    return candidate, run, fit


def evaluation_workers(candidates: int) -> int:
    """Threads that evaluate candidate k side by side: one per core, at most one per k.

    Each evaluation is seeded on its own and runs its numerical libraries on
    one thread, so the result does not depend on how many run at once.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(candidates, cores or 1))


def _evaluate_all(
    ks: list[int],
    x_sel: np.ndarray,
    x_sil: np.ndarray,
    d_sil: np.ndarray | None,
    x_pool: np.ndarray,
    s: Settings,
) -> list[tuple[Candidate, BootstrapRun, KMeansFit]]:
    """:func:`_evaluate` for every k, in k order, on :func:`evaluation_workers` threads.

    scikit-learn's k-means and NumPy release the GIL while they compute, so
    threads use both cores.  Every thread holds BLAS and OpenMP to one thread
    (:func:`single_threaded` inside each fit; OpenMP's limit is per thread).
    """

    def one(k: int) -> tuple[Candidate, BootstrapRun, KMeansFit]:
        with single_threaded():
            return _evaluate(k, x_sel, x_sil, d_sil, x_pool, s)

    workers = evaluation_workers(len(ks))
    if workers == 1:
        return [one(k) for k in ks]
    # BLAS's limit is process-wide: hold it at one thread around all of them,
    # so that one thread leaving its limit never lifts another's
    with single_threaded(), ThreadPoolExecutor(max_workers=workers) as pool:
        # largest k first: they take longest, so the threads finish together
        futures = {k: pool.submit(one, k) for k in sorted(ks, reverse=True)}
        return [futures[k].result() for k in ks]


def train(
    user_ids: np.ndarray,
    x: np.ndarray,
    settings: Settings | None = None,
    input_rows: int | None = None,
) -> SegmentationResult:
    """Choose k, fit the published model and measure its stability (see the module docstring).

    ``input_rows``: how many users the rows given were sampled from (default:
    the rows given), recorded with the model.
    """
    s = settings or Settings()
    clock = {"start": time.perf_counter()}
    user_ids = np.asarray(user_ids, dtype=np.int64)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != user_ids.shape[0]:
        raise ValueError("x must be a 2-d array with one row per user id")
    if not np.all(np.isfinite(x)):
        raise ValueError("the features contain NaN or infinite values")
    input_rows = int(x.shape[0] if input_rows is None else input_rows)
    order = np.argsort(user_ids, kind="stable")
    user_ids, x = user_ids[order], x[order]
    if np.any(np.diff(user_ids) == 0):
        raise ValueError("user ids are not unique")
    train_rows = seeded_subsample(x.shape[0], s.max_train_rows, s.seed, stream=1)
    user_ids, x = user_ids[train_rows], x[train_rows]
    n = int(x.shape[0])

    x_sel = x[seeded_subsample(n, s.k_selection_rows, s.seed, stream=2)]
    x_pool = x[seeded_subsample(n, s.stability_rows, s.seed, stream=3)]
    x_sil = x[seeded_subsample(n, s.silhouette_rows, s.seed, stream=4)]
    d_sil = silhouette_distances(x_sil)
    distinct = _distinct_rows(x_sel)
    ks = [k for k in s.candidate_ks if k <= min(distinct, x_pool.shape[0] - 1)]
    if s.n_clusters is not None and s.n_clusters not in ks:
        raise ValueError(f"n_clusters={s.n_clusters} but the sample has only {distinct} distinct users")
    if not ks:
        raise ValueError(f"too few distinct users ({distinct}) for any k in {s.k_min}..{s.k_max}")
    if len(ks) < len(s.candidate_ks):
        log.warning("only %d distinct users: candidates above %d skipped", distinct, max(ks))

    candidates, runs, fits = [], {}, {}
    evaluated = _evaluate_all(ks, x_sel, x_sil, d_sil, x_pool, s)
    for k, (candidate, run, fit) in zip(ks, evaluated, strict=True):
        candidates.append(candidate)
        runs[k], fits[k] = run, fit
    clock["k_selection"] = time.perf_counter()

    choice = choose_k(candidates, s.min_segment_share, s.stability_tolerance, s.n_clusters)
    model = fit_final_model(x, x_sel, fits[choice.k])
    clock["final_fit"] = time.perf_counter()

    reference = assign_segments(x_pool, model.centroids).segment_id
    jaccard = segment_jaccard(reference, runs[choice.k], choice.k)
    per_segment = []
    for seg in range(choice.k):
        values = jaccard[seg][~np.isnan(jaccard[seg])]
        mean = float(values.mean()) if values.size else 0.0
        per_segment.append(
            SegmentStability(
                segment_id=seg,
                jaccard_mean=mean,
                jaccard_min=float(values.min()) if values.size else 0.0,
                stable_resamples=int(np.sum(values >= 0.75)),
                dissolved_resamples=int(np.sum(values <= 0.5)),
                resamples=int(values.size),
                label=stability_label(mean),
            )
        )
    chosen = next(c for c in choice.candidates if c.is_chosen)
    silhouette = _safe_silhouette(x_sil, d_sil, assign_segments(x_sil, model.centroids).segment_id)
    clock["stability"] = time.perf_counter()

    seconds = {
        "k_selection": clock["k_selection"] - clock["start"],
        "final_fit": clock["final_fit"] - clock["k_selection"],
        "stability": clock["stability"] - clock["final_fit"],
    }
    log.info("chose k=%d (%s); seconds %s", choice.k, choice.reason, seconds)
    return SegmentationResult(
        settings=s,
        choice=choice,
        model=model,
        user_ids=user_ids,
        training_segment_id=model.labels,
        input_rows=input_rows,
        sample_sizes={
            "training_rows": n,
            "k_selection_rows": int(x_sel.shape[0]),
            "stability_rows": int(x_pool.shape[0]),
            "silhouette_rows": int(x_sil.shape[0]),
        },
        silhouette=silhouette,
        stability_ari_mean=chosen.stability_ari_mean,
        segment_stability=tuple(per_segment),
        training_fingerprint=fingerprint(user_ids, x),
        seconds=seconds,
    )


def is_true(value: Any) -> bool:
    """A dbt var as a boolean: ``false``/``0``/``no``/``off`` (any case) and None are false."""
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off", "none", "")
    return bool(value)


def features_from_arrow(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """``user_id`` and the ``features`` array column (FLOAT[d] or a list) as numpy.

    The array column is flattened once and reshaped, never converted row by row.
    """
    user_ids = table.column("user_id").to_numpy().astype(np.int64)
    column = table.column("features").combine_chunks()
    n = len(column)
    if n == 0:
        return user_ids, np.empty((0, 0), dtype=np.float64)
    if column.null_count:
        raise ValueError("some users have no features")
    if pa.types.is_fixed_size_list(column.type):
        d = column.type.list_size
    else:
        lengths = np.unique(pc.list_value_length(column).to_numpy())
        if lengths.size != 1:
            raise ValueError(f"users have features of different lengths: {lengths.tolist()}")
        d = int(lengths[0])
    values = column.flatten().to_numpy(zero_copy_only=False)
    return user_ids, values.reshape(n, d).astype(np.float64)


MODEL_FILE = "segmentation_model.parquet"


def model_folder(model_dir: str | Path) -> Path:
    """``model_dir`` (the dbt var) as a path: relative to the project's folder.

    That folder is ``USER_SEGMENTATION_PROJECT_DIR`` when set (the runner runs
    dbt in the database's folder and sets it), else where dbt runs; the SQL
    side resolves it the same way (macro ``user_segmentation_project_path``).
    """
    folder = Path(model_dir)
    if folder.is_absolute():
        return folder
    return Path(os.environ.get("USER_SEGMENTATION_PROJECT_DIR", ".")) / folder


def prepare_model_dir(model_dir: str | Path) -> Path:
    """Create the folder the on-run-end hook saves the model into."""
    folder = model_folder(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load_saved_model(model_dir: str | Path) -> pa.Table:
    """The model row saved by the last successful refit build (for ``refit: false``)."""
    path = model_folder(model_dir) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"refit is false but there is no saved model at {path}: build once with "
            "refit: true (and the same model_dir) first"
        )
    return pq.read_table(path)


def library_versions() -> dict[str, str]:
    import duckdb
    import sklearn

    return {
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "scikit_learn_version": sklearn.__version__,
        "duckdb_version": duckdb.__version__,
        "user_segmentation_version": package_version,
    }


def _nan_to_none(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def model_id(result: SegmentationResult) -> str:
    """16 hex digits identifying the model: training data, settings and centroids."""
    digest = hashlib.sha256()
    digest.update(result.training_fingerprint.encode())
    digest.update(repr(sorted(vars(result.settings).items())).encode())
    digest.update(np.ascontiguousarray(result.model.centroids, dtype="<f8").tobytes())
    return digest.hexdigest()[:16]


def result_to_arrow(result: SegmentationResult) -> pa.Table:
    """The one-row model table (nested lists for centroids, candidates, stability, assignments)."""
    s = result.settings
    k = result.k
    sizes = np.bincount(result.training_segment_id, minlength=k)
    centroid_type = pa.struct(
        [
            ("segment_id", pa.int32()),
            ("training_users", pa.int64()),
            ("centroid", pa.list_(pa.float64())),
        ]
    )
    centroids = [
        {
            "segment_id": i,
            "training_users": int(sizes[i]),
            "centroid": result.model.centroids[i].tolist(),
        }
        for i in range(k)
    ]
    candidate_type = pa.struct(
        [
            ("k", pa.int32()),
            ("inertia", pa.float64()),
            ("silhouette", pa.float64()),
            ("davies_bouldin", pa.float64()),
            ("calinski_harabasz", pa.float64()),
            ("smallest_segment_share", pa.float64()),
            ("stability_ari_mean", pa.float64()),
            ("stability_ari_sd", pa.float64()),
            ("is_eligible", pa.bool_()),
            ("is_chosen", pa.bool_()),
        ]
    )
    candidates = [
        {
            "k": c.k,
            "inertia": c.inertia,
            "silhouette": _nan_to_none(c.silhouette),
            "davies_bouldin": _nan_to_none(c.davies_bouldin),
            "calinski_harabasz": _nan_to_none(c.calinski_harabasz),
            "smallest_segment_share": c.smallest_segment_share,
            "stability_ari_mean": c.stability_ari_mean,
            "stability_ari_sd": c.stability_ari_sd,
            "is_eligible": c.is_eligible,
            "is_chosen": c.is_chosen,
        }
        for c in result.choice.candidates
    ]
    stability_type = pa.struct(
        [
            ("segment_id", pa.int32()),
            ("jaccard_mean", pa.float64()),
            ("jaccard_min", pa.float64()),
            ("stable_resamples", pa.int32()),
            ("dissolved_resamples", pa.int32()),
            ("resamples", pa.int32()),
            ("stability_label", pa.string()),
        ]
    )
    stability = [
        {
            "segment_id": st.segment_id,
            "jaccard_mean": st.jaccard_mean,
            "jaccard_min": st.jaccard_min,
            "stable_resamples": st.stable_resamples,
            "dissolved_resamples": st.dissolved_resamples,
            "resamples": st.resamples,
            "stability_label": st.label,
        }
        for st in result.segment_stability
    ]
    assignments = pa.StructArray.from_arrays(
        [
            pa.array(result.user_ids, type=pa.int64()),
            pa.array(result.training_segment_id, type=pa.int32()),
        ],
        names=["user_id", "segment_id"],
    )
    labels = [st.label for st in result.segment_stability]
    row: dict[str, pa.Array] = {
        "segmentation_model_id": pa.array([model_id(result)]),
        "k": pa.array([k], pa.int32()),
        "is_k_overridden": pa.array([result.choice.is_override]),
        "selection_rule": pa.array([result.choice.rule]),
        "selection_reason": pa.array([result.choice.reason]),
        "seed": pa.array([s.seed], pa.int64()),
        "n_init": pa.array([s.n_init], pa.int32()),
        "max_iter": pa.array([s.max_iter], pa.int32()),
        "k_min": pa.array([s.k_min], pa.int32()),
        "k_max": pa.array([s.k_max], pa.int32()),
        "n_clusters": pa.array([s.n_clusters], pa.int32()),
        "bootstrap_samples": pa.array([s.bootstrap_samples], pa.int32()),
        "min_segment_share": pa.array([s.min_segment_share], pa.float64()),
        "stability_tolerance": pa.array([s.stability_tolerance], pa.float64()),
        "max_train_rows": pa.array([s.max_train_rows], pa.int64()),
        "input_rows": pa.array([result.input_rows], pa.int64()),
        **{name: pa.array([value], pa.int64()) for name, value in result.sample_sizes.items()},
        "feature_count": pa.array([int(result.model.centroids.shape[1])], pa.int32()),
        "training_fingerprint": pa.array([result.training_fingerprint]),
        **{name: pa.array([value]) for name, value in library_versions().items()},
        "final_inertia": pa.array([result.model.inertia], pa.float64()),
        "final_n_iter": pa.array([result.model.n_iter], pa.int32()),
        "silhouette": pa.array([_nan_to_none(result.silhouette)], pa.float64()),
        "silhouette_band": pa.array([result.silhouette_band]),
        "stability_ari_mean": pa.array([result.stability_ari_mean], pa.float64()),
        "structure_statement": pa.array([structure_statement(result.silhouette)]),
        "stability_statement": pa.array(
            [stability_statement(result.stability_ari_mean, labels, s.bootstrap_samples)]
        ),
        "quality_statement": pa.array([result.quality_statement]),
        "centroids": pa.array([centroids], pa.list_(centroid_type)),
        "candidates": pa.array([candidates], pa.list_(candidate_type)),
        "segment_stability": pa.array([stability], pa.list_(stability_type)),
        "training_assignments": pa.ListArray.from_arrays(
            pa.array([0, len(assignments)], pa.int32()), assignments
        ),
    }
    return pa.table(row)
