"""The dbt-duckdb plugin's input path: where it comes from and that DuckDB reads it."""

from __future__ import annotations

import duckdb
from user_segmentation import duckdb_plugin, synthetic


def test_input_path_default_and_relative_paths(monkeypatch, tmp_path):
    monkeypatch.delenv("USER_SEGMENTATION_INPUT", raising=False)
    monkeypatch.setenv("USER_SEGMENTATION_PROJECT_DIR", str(tmp_path))
    assert duckdb_plugin.input_path_from_environment() == str(tmp_path / duckdb_plugin.DEFAULT_INPUT)
    monkeypatch.setenv("USER_SEGMENTATION_INPUT", "data/mine.csv")
    assert duckdb_plugin.input_path_from_environment() == str(tmp_path / "data/mine.csv")
    monkeypatch.setenv("USER_SEGMENTATION_INPUT", "/abs/users.parquet")
    assert duckdb_plugin.input_path_from_environment() == "/abs/users.parquet"
    # without a project folder, relative to where dbt runs (as before the plugin read it)
    monkeypatch.delenv("USER_SEGMENTATION_PROJECT_DIR")
    monkeypatch.setenv("USER_SEGMENTATION_INPUT", "x.csv")
    assert duckdb_plugin.input_path_from_environment() == "./x.csv"


def test_plugin_binds_the_input_path_that_read_csv_reads(monkeypatch, tmp_path):
    path = synthetic.write_users(tmp_path / "it's here.csv", n_users=7, seed=3)
    monkeypatch.setenv("USER_SEGMENTATION_INPUT", str(path))
    plugin = duckdb_plugin.Plugin.__new__(duckdb_plugin.Plugin)
    plugin.initialize({})
    con = duckdb.connect()
    plugin.configure_connection(con)
    rows = con.execute(
        f"select count(*) from read_csv(getvariable('{duckdb_plugin.INPUT_VARIABLE}'), header = true)"
    ).fetchall()
    assert rows == [(7,)]
    assert con.execute("select getvariable('audience_hash_salt') is not null").fetchall() == [(True,)]
