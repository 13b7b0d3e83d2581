"""Shared fixtures: paths, generated files, and a helper that builds with dbt."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from user_segmentation import runner, synthetic

REPO = Path(__file__).resolve().parents[2]
REFERENCE_CSV = REPO.parent / "shared" / "data" / "user_profiles_for_ads.csv"


@pytest.fixture(scope="session")
def reference_csv() -> Path:
    if not REFERENCE_CSV.is_file():
        pytest.skip(f"reference dataset not found at {REFERENCE_CSV}")
    return REFERENCE_CSV


def build_into(tmp: Path, data: Path, **kwargs) -> Path:
    """Run the full ``dbt build`` on ``data`` into a throwaway database; return its path."""
    database = tmp / "out.duckdb"
    runner.build(data, database, capture=True, **kwargs)
    return database


def query(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def small_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "users.csv"
    synthetic.write_users(path, n_users=300, seed=7)
    return path
