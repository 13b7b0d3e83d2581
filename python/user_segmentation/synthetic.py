"""Seeded generator of user-profile files with the reference schema.

The reference dataset (1,000 users, 16 columns) is someone else's data, so the
project ships and tests on files made here instead.  The generator is
vectorised (NumPy in chunks of ``chunk_size`` users, each chunk with its own
seeded random stream, made ahead on a few threads and streamed through
DuckDB's writer), so it makes 10 million users in about 10 seconds on two
cores.  Text is never formatted per row: every category, every numeric grid
value and every interest combination is formatted once and looked up
(Arrow dictionary decode).  It is deterministic: the same ``n_users``,
``seed``, ``chunk_size`` and options give the same bytes, whatever the number
of threads.

Marginals follow ``shared/DATA.md``: category shares as in the reference file,
numeric columns uniform over the reference ranges, 1 to 4 distinct interests
per user weighted by the reference popularity.

With ``planted_segments=k`` every user is drawn from one of ``k`` well
separated behavioural profiles (centres spread over the numeric ranges, small
noise, a preferred device and age band), and the true label of each user is
written next to the file (``<file>.labels.csv``) so that tests can measure how
well the segmentation recovers it.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

log = logging.getLogger(__name__)

HEADER: tuple[str, ...] = (
    "User ID",
    "Age",
    "Gender",
    "Location",
    "Language",
    "Education Level",
    "Likes and Reactions",
    "Followed Accounts",
    "Device Usage",
    "Time Spent Online (hrs/weekday)",
    "Time Spent Online (hrs/weekend)",
    "Click-Through Rates (CTR)",
    "Conversion Rates",
    "Ad Interaction Time (sec)",
    "Income Level",
    "Top Interests",
)

# Column types of a Parquet file (the reference schema's numbers typed, as a
# real Parquet export has them; the rest text). A CSV file is text throughout.
PARQUET_TYPES: dict[str, str] = {
    "User ID": "BIGINT",
    "Likes and Reactions": "BIGINT",
    "Followed Accounts": "BIGINT",
    "Time Spent Online (hrs/weekday)": "DOUBLE",
    "Time Spent Online (hrs/weekend)": "DOUBLE",
    "Click-Through Rates (CTR)": "DOUBLE",
    "Conversion Rates": "DOUBLE",
    "Ad Interaction Time (sec)": "BIGINT",
}

# Category values with their weights in the reference file (shared/DATA.md).
CATEGORIES: dict[str, dict[str, int]] = {
    "Age": {"18-24": 166, "25-34": 255, "35-44": 192, "45-54": 188, "55-64": 153, "65+": 46},
    "Gender": {"Female": 506, "Male": 494},
    "Location": {"Urban": 350, "Suburban": 332, "Rural": 318},
    "Language": {"English": 258, "Mandarin": 250, "Spanish": 251, "Hindi": 241},
    "Education Level": {
        "High School": 205,
        "Technical": 211,
        "Bachelor": 189,
        "Master": 209,
        "PhD": 186,
    },
    "Device Usage": {
        "Desktop Only": 262,
        "Mobile Only": 253,
        "Mobile + Desktop": 250,
        "Tablet": 235,
    },
    "Income Level": {
        "0-20k": 148,
        "20k-40k": 165,
        "40k-60k": 175,
        "60k-80k": 168,
        "80k-100k": 168,
        "100k+": 176,
    },
}

INTERESTS: dict[str, int] = {
    "Digital Marketing": 182,
    "Investing and Finance": 171,
    "Music Production": 169,
    "Fitness and Wellness": 167,
    "Eco-Friendly Living": 163,
    "Fashion Modelling": 161,
    "Gourmet Cooking": 157,
    "Reading and Literature": 156,
    "Gaming": 155,
    "Pet Care": 155,
    "Travel and Adventure": 152,
    "Software Engineering": 151,
    "DIY Crafts": 148,
    "Photography": 148,
    "Data Science": 147,
    "Gardening": 140,
}
INTEREST_COUNT_WEIGHTS: dict[int, int] = {1: 225, 2: 267, 3: 269, 4: 239}


@dataclass(frozen=True)
class NumericSpec:
    """A numeric column: integer grid ``low..high`` divided by ``scale``."""

    column: str
    low: int
    high: int
    scale: int  # 1 for integers, 10 for one decimal place, 1000 for three


NUMERICS: tuple[NumericSpec, ...] = (
    NumericSpec("Likes and Reactions", 100, 10_000, 1),
    NumericSpec("Followed Accounts", 10, 500, 1),
    NumericSpec("Time Spent Online (hrs/weekday)", 5, 50, 10),
    NumericSpec("Time Spent Online (hrs/weekend)", 10, 80, 10),
    NumericSpec("Click-Through Rates (CTR)", 0, 250, 1000),
    NumericSpec("Conversion Rates", 0, 100, 1000),
    NumericSpec("Ad Interaction Time (sec)", 5, 179, 1),
)

ProgressCallback = Callable[[int, int], None]


def _probabilities(weights: dict) -> np.ndarray:
    values = np.array(list(weights.values()), dtype=np.float64)
    return values / values.sum()


def _format_decimal(grid: np.ndarray, scale: int) -> pa.Array:
    """Format integers on a 1/scale grid the way Python prints floats (``2.0``, ``0.25``)."""
    if scale == 1:
        return pc.cast(pa.array(grid, type=pa.int64()), pa.string())
    digits = int(round(math.log10(scale)))
    whole = grid // scale
    frac = grid % scale
    frac_txt = pc.utf8_lpad(pc.cast(pa.array(frac, type=pa.int64()), pa.string()), digits, "0")
    frac_txt = pc.utf8_rtrim(frac_txt, characters="0")
    frac_txt = pc.if_else(pc.equal(pc.utf8_length(frac_txt), 0), "0", frac_txt)
    whole_txt = pc.cast(pa.array(whole, type=pa.int64()), pa.string())
    return pc.binary_join_element_wise(whole_txt, frac_txt, ".")


@functools.lru_cache(maxsize=32)
def _grid_labels(low: int, high: int, scale: int) -> pa.Array:
    """The text of every grid value ``low..high`` (formatted once, then looked up)."""
    return _format_decimal(np.arange(low, high + 1), scale)


def _decode(codes: np.ndarray, labels: pa.Array) -> pa.Array:
    """``labels[codes]`` as a plain string array, without making Python strings per row."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32, copy=False)), labels
    ).dictionary_decode()


def _pick_interests(rng: np.random.Generator, n: int, bias: np.ndarray | None) -> pa.Array:
    """Draw 1-4 distinct interests per user, weighted, without replacement.

    Uses the Gumbel top-k trick; ``bias`` (n x 16 log-weights) lets planted
    segments prefer some interests.  Each user's ordered tuple of interest codes
    is packed into one integer so that only the distinct combinations are
    turned into strings.
    """
    names = list(INTERESTS)
    log_w = np.log(_probabilities(INTERESTS))
    # Gumbel keys are log_w - log(-log(u)); sorting their negation ascending,
    # computed in place (the same floating-point values, one n x 16 buffer).
    neg_keys = rng.random((n, len(names)))
    np.log(neg_keys, out=neg_keys)
    np.negative(neg_keys, out=neg_keys)
    np.log(neg_keys, out=neg_keys)
    neg_keys -= log_w[None, :]
    if bias is not None:
        neg_keys -= bias
    order = np.argsort(neg_keys, axis=1)[:, :4]
    del neg_keys
    counts = rng.choice(
        np.array(list(INTEREST_COUNT_WEIGHTS)), size=n, p=_probabilities(INTEREST_COUNT_WEIGHTS)
    )
    base = len(names) + 1
    packed = np.zeros(n, dtype=np.int64)
    for j in range(4):
        code = np.where(counts > j, order[:, j] + 1, 0)
        packed = packed * base + code
    uniques, inverse = np.unique(packed, return_inverse=True)
    labels = []
    for value in uniques.tolist():
        codes = []
        for _ in range(4):
            value, code = divmod(value, base)
            codes.append(code)
        labels.append(", ".join(names[c - 1] for c in reversed(codes) if c))
    return pa.DictionaryArray.from_arrays(
        pa.array(inverse.astype(np.int32)), pa.array(labels, type=pa.string())
    ).dictionary_decode()


def _planted_centres(k: int, seed: int) -> np.ndarray:
    """Centres in [0.1, 0.9] of each numeric range, spread apart (one row per segment)."""
    rng = np.random.default_rng([seed, 7919])
    best, best_gap = None, -1.0
    for _ in range(200):
        cand = rng.uniform(0.1, 0.9, size=(k, len(NUMERICS)))
        gaps = np.linalg.norm(cand[:, None, :] - cand[None, :, :], axis=2)
        gap = gaps[np.triu_indices(k, 1)].min() if k > 1 else 1.0
        if gap > best_gap:
            best, best_gap = cand, gap
    return best


def generate_chunk(
    start: int,
    n: int,
    seed: int,
    planted_segments: int = 0,
    planted_noise: float = 0.04,
) -> tuple[pa.Table, np.ndarray | None]:
    """Generate users ``start+1 .. start+n`` as an all-text Arrow table (and planted labels)."""
    rng = np.random.default_rng([seed, start])
    columns: dict[str, pa.Array] = {
        "User ID": pc.cast(pa.array(np.arange(start + 1, start + n + 1)), pa.string())
    }
    labels = None
    if planted_segments > 0:
        labels = rng.integers(0, planted_segments, size=n)
        centres = _planted_centres(planted_segments, seed)
    for column, weights in CATEGORIES.items():
        values = np.array(list(weights))
        p = _probabilities(weights)
        if labels is not None and column in ("Device Usage", "Age"):
            # each planted segment strongly prefers one value
            preferred = (np.arange(planted_segments) * 3 + len(column)) % len(values)
            pick = rng.choice(len(values), size=n, p=p)
            keep = rng.random(n) < 0.7
            pick = np.where(keep, preferred[labels], pick)
        else:
            pick = rng.choice(len(values), size=n, p=p)
        columns[column] = _decode(pick, pa.array(values.tolist(), type=pa.string()))
    for j, spec in enumerate(NUMERICS):
        if labels is None:
            grid = rng.integers(spec.low, spec.high + 1, size=n)
        else:
            span = spec.high - spec.low
            centre = spec.low + centres[labels, j] * span
            grid = np.rint(centre + rng.normal(0.0, planted_noise * span, size=n)).astype(np.int64)
            grid = np.clip(grid, spec.low, spec.high)
        columns[spec.column] = _decode(grid - spec.low, _grid_labels(spec.low, spec.high, spec.scale))
    bias = None
    if labels is not None:
        pref = (np.arange(planted_segments)[:, None] * 5 + np.arange(4)[None, :]) % len(INTERESTS)
        bias = np.zeros((n, len(INTERESTS)))
        np.put_along_axis(bias, pref[labels], 2.0, axis=1)
    columns["Top Interests"] = _pick_interests(rng, n, bias)
    table = pa.table({name: columns[name] for name in HEADER})
    return table, labels


def _text_progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} users")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def write_users(
    path: str | Path,
    n_users: int,
    seed: int = 42,
    planted_segments: int = 0,
    planted_noise: float = 0.04,
    chunk_size: int = 1_000_000,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> Path:
    """Write ``n_users`` generated users to ``path`` (CSV, or Parquet by extension).

    Chunks are streamed through DuckDB's writer, which quotes a CSV field only
    when it needs it (as the reference file does).  A Parquet file has the
    numeric columns typed (``PARQUET_TYPES``: BIGINT and DOUBLE), the others
    text, as the usual Parquet export of such a table has.  With ``planted_segments``
    the true segment of every user goes to ``<path>.labels.csv`` (columns
    ``user_id,planted_segment``).  ``workers`` threads make chunks ahead
    (default: up to 4, one per core); the output does not depend on it.
    Returns the path written.
    """
    import duckdb

    if n_users < 0:
        raise ValueError(f"n_users must be >= 0, got {n_users}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    is_parquet = path.suffix.lower() in (".parquet", ".pq")
    schema = pa.schema([(name, pa.string()) for name in HEADER])
    label_chunks: list[np.ndarray] = []

    starts = list(range(0, n_users, chunk_size)) if chunk_size > 0 else []
    if n_users > 0 and not starts:
        raise ValueError(f"chunk_size must be > 0, got {chunk_size}")
    workers = max(1, workers if workers is not None else min(4, os.cpu_count() or 1))

    def make(start: int) -> tuple[pa.Table, np.ndarray | None]:
        n = min(chunk_size, n_users - start)
        return generate_chunk(start, n, seed, planted_segments, planted_noise)

    def batches():
        # Chunks are independent (each has its own seeded stream), so they are
        # made ahead on a few threads (NumPy and Arrow release the GIL) while
        # DuckDB writes the previous ones; they are consumed in order, so the
        # bytes do not depend on ``workers``.  At most ``workers + 1`` chunks
        # are held at once.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending = deque(pool.submit(make, start) for start in starts[: workers + 1])
            queued = len(pending)
            done = 0
            while pending:
                table, labels = pending.popleft().result()
                if queued < len(starts):
                    pending.append(pool.submit(make, starts[queued]))
                    queued += 1
                if labels is not None:
                    label_chunks.append(labels)
                yield from table.to_batches()
                done += table.num_rows
                del table
                if progress is not None:
                    progress(done, n_users)

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        con.execute("set enable_progress_bar = false")
        con.register("generated_users", reader)
        target = str(path).replace("'", "''")
        if is_parquet:
            columns = ", ".join(
                f'"{name}"::{PARQUET_TYPES[name]} as "{name}"' if name in PARQUET_TYPES else f'"{name}"'
                for name in HEADER
            )
            options = "format parquet, compression zstd"
        else:
            columns, options = "*", "format csv, header true"
        con.execute(f"copy (select {columns} from generated_users) to '{target}' ({options})")
    finally:
        con.close()
    if planted_segments > 0:
        labels_all = np.concatenate(label_chunks) if label_chunks else np.array([], dtype=int)
        pacsv.write_csv(
            pa.table(
                {
                    "user_id": np.arange(1, len(labels_all) + 1),
                    "planted_segment": labels_all,
                }
            ),
            str(path) + ".labels.csv",
        )
    log.info("wrote %s users to %s", f"{n_users:,}", path)
    return path
