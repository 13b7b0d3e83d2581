"""The reference pipeline: user segmentation the way the usual notebook does it.

pandas ``read_csv`` of the whole file, ``get_dummies`` of Age, Gender and
Income Level, ``StandardScaler`` on weekday hours, weekend hours, likes and
CTR, ``KMeans(n_clusters=5, n_init=10)``, then a ``groupby`` profile of the
clusters.  It is the baseline the benchmark compares the dbt build with, run
in its own process on the same file (``python bench/reference_pipeline.py
FILE``).  It prints one JSON line with what it did.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

NUMERIC = [
    "Time Spent Online (hrs/weekday)",
    "Time Spent Online (hrs/weekend)",
    "Likes and Reactions",
    "Click-Through Rates (CTR)",
]
ONE_HOT = ["Age", "Gender", "Income Level"]


def run(path: str, seed: int = 42) -> dict:
    """Read, encode, scale, cluster and profile ``path``; return a summary."""
    started = time.perf_counter()
    users = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    read_seconds = time.perf_counter() - started

    encoded = pd.get_dummies(users[ONE_HOT + NUMERIC], columns=ONE_HOT)
    scaled = encoded.copy()
    scaled[NUMERIC] = StandardScaler().fit_transform(encoded[NUMERIC])
    model = KMeans(n_clusters=5, n_init=10, random_state=seed)
    users["Cluster"] = model.fit_predict(scaled.astype(float))
    fit_seconds = time.perf_counter() - started - read_seconds

    profile = users.groupby("Cluster")[NUMERIC].mean()
    profile["users"] = users.groupby("Cluster").size()
    for column in ONE_HOT:
        profile[f"top {column}"] = users.groupby("Cluster")[column].agg(lambda values: values.mode().iat[0])
    return {
        "rows": int(len(users)),
        "clusters": int(profile.shape[0]),
        "read_seconds": round(read_seconds, 3),
        "fit_seconds": round(fit_seconds, 3),
        "total_seconds": round(time.perf_counter() - started, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="input file (.csv or .parquet)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    sys.stdout.write(json.dumps(run(args.path, args.seed)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
