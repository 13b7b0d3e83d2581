"""DuckDB's memory limit of a build: ``--memory-limit``, ``MEMORY_LIMIT=`` of make,
or ``USER_SEGMENTATION_MEMORY_LIMIT``, checked before dbt starts and used by dbt
and by the runner's own connections alike (README, "Bigger inputs")."""

from __future__ import annotations

import duckdb
import pytest
from conftest import REPO
from user_segmentation import cli, runner, synthetic

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "users.csv"
    synthetic.write_users(path, n_users=300, seed=7)
    return path


@pytest.mark.parametrize("value", ["2GB", "1500MB", "3GiB", "25%", " 2 gb ", "0.5GB", "3G"])
def test_sizes_duckdb_takes_are_accepted(value):
    assert runner.check_memory_limit(value, "--memory-limit") == value.strip()
    duckdb.connect(config={"memory_limit": value.strip()}).close()


@pytest.mark.parametrize("value", ["plenty", "-1GB", "", "2 GB of RAM", "GB"])
def test_anything_else_is_refused_naming_where_it_came_from(value):
    with pytest.raises(runner.BuildError, match=r"--memory-limit .* is not a memory size"):
        runner.check_memory_limit(value, "--memory-limit")


def test_a_bad_limit_stops_the_build_before_dbt(tmp_path, small_csv, monkeypatch):
    database = tmp_path / "out.duckdb"
    with pytest.raises(runner.BuildError, match="--memory-limit 'plenty' is not a memory size"):
        runner.build(small_csv, database, capture=True, memory_limit="plenty")
    monkeypatch.setenv("USER_SEGMENTATION_MEMORY_LIMIT", "lots")
    with pytest.raises(runner.BuildError, match="USER_SEGMENTATION_MEMORY_LIMIT 'lots' is not a memory size"):
        runner.build(small_csv, database, capture=True)
    assert not database.exists()
    assert not runner.working_path(database).parent.exists()  # dbt never started


def test_the_command_line_refuses_a_bad_limit_in_one_sentence(tmp_path, small_csv, capsys):
    argv = ["build", "--data", str(small_csv), "--db", str(tmp_path / "out.duckdb"), "--memory-limit", "lots"]
    assert cli.main(argv) == 1
    assert "Build refused: --memory-limit 'lots' is not a memory size" in capsys.readouterr().err


def test_the_default_and_the_environment(monkeypatch):
    monkeypatch.delenv("USER_SEGMENTATION_MEMORY_LIMIT", raising=False)
    assert runner.duckdb_config() == {"memory_limit": "1GB"}
    monkeypatch.setenv("USER_SEGMENTATION_MEMORY_LIMIT", "3GB")
    assert runner.duckdb_config() == {"memory_limit": "3GB"}
    assert runner.duckdb_config("700MB") == {"memory_limit": "700MB"}  # the argument wins
    profiles = (REPO / "profiles.yml").read_text()
    assert f"env_var('USER_SEGMENTATION_MEMORY_LIMIT', '{runner.DEFAULT_MEMORY_LIMIT}')" in profiles


def test_dbt_runs_with_the_limit_given(tmp_path):
    """The limit reaches DuckDB inside dbt (through profiles.yml), not only the runner."""
    result = runner.run_dbt(
        ["show", "--inline", "select current_setting('memory_limit') as memory_limit", "--output", "json"],
        database=tmp_path / "show.duckdb",
        capture=True,
        memory_limit="700MB",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    # DuckDB reports 700 MB (decimal) as 667.5 MiB
    assert "667.5 MiB" in result.stdout, result.stdout[-2000:]


def test_the_build_gives_its_limit_to_dbt_and_to_its_own_connections(tmp_path, small_csv, monkeypatch):
    """dbt, the checkpoint, the audience export and the closing counts all run with it."""
    limits = []
    real_connect = duckdb.connect
    real_run_dbt = runner.run_dbt
    dbt_limits = []

    def recording_run_dbt(*args, **kwargs):
        dbt_limits.append(kwargs.get("memory_limit"))
        return real_run_dbt(*args, **kwargs)

    monkeypatch.setattr(runner, "run_dbt", recording_run_dbt)

    def recording_connect(*args, **kwargs):
        limits.append((kwargs.get("config") or {}).get("memory_limit"))
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", recording_connect)
    monkeypatch.delenv("USER_SEGMENTATION_MEMORY_LIMIT", raising=False)
    runner.build(
        small_csv,
        tmp_path / "out.duckdb",
        capture=True,
        export_dir=tmp_path / "audiences",
        memory_limit="700MB",
    )
    # the checkpoint, the export and the counts of the published database
    assert len(limits) >= 3
    assert set(limits) == {"700MB"}, limits
    assert dbt_limits == ["700MB"]
    assert list((tmp_path / "audiences").glob("*.csv"))
