"""Shared fixtures: paths, generated files, and a helper that builds with dbt."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import jinja2
import pytest
from user_segmentation import runner, synthetic

REPO = Path(__file__).resolve().parents[2]
REFERENCE_CSV = REPO.parent / "shared" / "data" / "user_profiles_for_ads.csv"


@pytest.fixture(scope="session", autouse=True)
def audience_exports_in_tmp(tmp_path_factory):
    """Builds in tests write their audience files to a temporary folder, not the repo."""
    previous = os.environ.get("USER_SEGMENTATION_EXPORT_DIR")
    os.environ["USER_SEGMENTATION_EXPORT_DIR"] = str(tmp_path_factory.mktemp("audiences"))
    yield
    if previous is None:
        os.environ.pop("USER_SEGMENTATION_EXPORT_DIR", None)
    else:
        os.environ["USER_SEGMENTATION_EXPORT_DIR"] = previous


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


# the project macros the rendered tests call (rendered with them, as dbt does)
TEST_MACROS = (REPO / "macros" / "id_bitmaps.sql").read_text()


def render_singular(name: str, refs: dict[str, str], **context) -> str:
    """The SQL of singular test ``name`` (tests/singular/), rendered as dbt
    would with each ``ref('model')`` the table ``refs[model]``; ``context``
    stands in for any other macro the test calls."""
    text = (REPO / "tests" / "singular" / f"{name}.sql").read_text()
    return jinja2.Template(TEST_MACROS + text).render(ref=refs.__getitem__, **context)


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
