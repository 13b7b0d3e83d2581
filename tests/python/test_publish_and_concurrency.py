"""Analysts and failed builds: atomic publish, build lock, killed builds,
idempotent rebuilds, thread count independence."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import query
from user_segmentation import runner, synthetic

pytestmark = pytest.mark.e2e

# staging only (cautious: no singular test that also reads marts), without the dbt unit tests
# (they do not depend on the input; make dbt-test runs them)
STAGING_ONLY = ["--select", "+tag:staging", "--indirect-selection", "cautious", "--exclude", "test_type:unit"]

READER = r"""
import json, sys, time
from pathlib import Path
import duckdb

database, stop, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
seen, errors = [], []
while not stop.exists():
    try:
        con = duckdb.connect(database, read_only=True)
        try:
            row = con.execute(
                "select (select count(*) from staging.stg_user_profiles),"
                " (select count(*) from staging.stg_user_interests),"
                " (select count(*) from staging.stg_user_profiles__rejected),"
                " (select max(user_id) from staging.stg_user_profiles)"
            ).fetchall()[0]
        finally:
            con.close()
        seen.append(list(row))
    except Exception as error:  # every failure is recorded, none is allowed
        errors.append(repr(error))
    time.sleep(0.02)
out.write_text(json.dumps({"seen": seen, "errors": errors}))
"""


def state(database: Path) -> list:
    return list(
        query(
            database,
            "select (select count(*) from staging.stg_user_profiles),"
            " (select count(*) from staging.stg_user_interests),"
            " (select count(*) from staging.stg_user_profiles__rejected),"
            " (select max(user_id) from staging.stg_user_profiles)",
        )[0]
    )


def contents(database: Path) -> dict[str, list[tuple]]:
    """Every table of ``database``, rows in a canonical order."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by all"
        ).fetchall()
        return {
            f"{schema}.{name}": con.execute(f'select * from "{schema}"."{name}" order by all').fetchall()
            for schema, name in tables
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    first = synthetic.write_users(folder / "first.csv", n_users=120, seed=1)
    second = synthetic.write_users(folder / "second.csv", n_users=300, seed=2)
    return Path(first), Path(second)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def start_cli_build(data: Path, database: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "user_segmentation", "build", "-q", "--data", str(data)]
    command += ["--db", str(database), "--", *STAGING_ONLY]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for_working_file(database: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    work = runner.working_path(database)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if work.exists() and work.stat().st_size > 0:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the build never started writing")


def test_reader_never_fails_nor_sees_a_half_built_state(inputs, tmp_path):
    first, second = inputs
    database = tmp_path / "published.duckdb"
    runner.build(first, database, capture=True, extra_args=STAGING_ONLY)
    before = state(database)
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(database), str(stop), str(out)])
    try:
        time.sleep(1.0)
        runner.build(second, database, capture=True, extra_args=STAGING_ONLY)
        after = state(database)
        time.sleep(1.0)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    report = json.loads(out.read_text())
    assert report["errors"] == []
    assert before != after
    assert len(report["seen"]) > 10
    assert all(seen in (before, after) for seen in report["seen"]), {tuple(s) for s in report["seen"]}
    assert report["seen"][0] == before and report["seen"][-1] == after


def test_killing_dbt_midway_leaves_the_published_database_unchanged(inputs, tmp_path):
    first, second = inputs
    database = tmp_path / "published.duckdb"
    runner.build(first, database, capture=True, extra_args=STAGING_ONLY)
    before_bytes, before_state = database.read_bytes(), state(database)

    process = start_cli_build(second, database)
    wait_for_working_file(database, process)
    dbt_children = children_of(process.pid)
    assert dbt_children, "no dbt child found"
    for child in dbt_children:
        os.kill(child, signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Build refused: dbt was stopped (SIGKILL)" in stderr
    assert "Traceback" not in stderr
    assert database.read_bytes() == before_bytes
    assert state(database) == before_state

    # the whole build (runner and dbt) killed at once
    process = start_cli_build(second, database)
    wait_for_working_file(database, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert database.read_bytes() == before_bytes
    assert state(database) == before_state

    # the next build is not blocked, cleans up and publishes
    runner.build(second, database, capture=True, extra_args=STAGING_ONLY)
    assert state(database) != before_state
    assert not runner.working_path(database).exists()


def test_a_second_build_of_the_same_database_is_refused(inputs, tmp_path):
    first, second = inputs
    database = tmp_path / "published.duckdb"
    runner.build(first, database, capture=True, extra_args=STAGING_ONLY)
    before = database.read_bytes()
    with (
        runner.build_lock(runner.resolve(database)),
        pytest.raises(runner.BuildError, match="another build of .* is running"),
    ):
        runner.build(second, database, capture=True, extra_args=STAGING_ONLY)
    assert database.read_bytes() == before


def test_two_concurrent_builds_one_wins_the_other_is_refused(inputs, tmp_path):
    first, second = inputs
    database = tmp_path / "published.duckdb"
    one, two = start_cli_build(first, database), start_cli_build(second, database)
    results = [process.communicate(timeout=300) for process in (one, two)]
    codes = sorted([one.returncode, two.returncode])
    assert codes == [0, 1], results
    refused = next(
        stderr for (_, stderr), process in zip(results, (one, two), strict=True) if process.returncode
    )
    assert "another build of" in refused
    assert state(database)[0] in (120, 300)


def test_stale_working_files_are_removed(inputs, tmp_path):
    first, _ = inputs
    database = tmp_path / "published.duckdb"
    work = runner.working_path(database)
    work.parent.mkdir()
    for stale in (work, work.with_name(work.name + ".wal"), work.with_name(work.name + ".tmp")):
        stale.write_bytes(b"left by a killed build")
    runner.build(first, database, capture=True, extra_args=STAGING_ONLY)
    assert state(database)[0] == 120
    assert not runner.working_dir(database).exists()

    # the layout of earlier versions: a file <db>.building and its .wal
    old = runner.working_dir(database)
    for stale in (old, old.with_name(old.name + ".wal")):
        stale.write_bytes(b"left by an older version")
    runner.build(first, database, capture=True, extra_args=STAGING_ONLY)
    assert not old.exists() and not old.with_name(old.name + ".wal").exists()


def test_a_new_database_and_input_file_make_dbt_parse_nothing(inputs, tmp_path, monkeypatch):
    """The profile's path is the same for every build, the parse is shared, and the
    input file's path reaches SQL through the plugin, not through dbt's parse."""
    first, second = inputs
    # the parse messages are debug lines; the runner's default file log is info
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    runner.build(first, tmp_path / "one.duckdb", capture=True, extra_args=STAGING_ONLY)
    database = tmp_path / "two.duckdb"
    result = runner.build(second, database, capture=True, extra_args=STAGING_ONLY)
    log_text = (runner.dbt_target_path(database) / "logs" / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log_text
    # another database and another input file: not one file parsed again
    assert "Partial parsing enabled, no changes found, skipping parsing" in log_text
    assert "Partial parsing: updated file" not in log_text
    assert result.counts["stg_user_profiles"] == 300
    assert runner.parse_cache_path(runner.PROJECT_DIR, None).is_file()


def test_the_file_log_is_info_unless_asked(inputs, tmp_path):
    """dbt's debug file log (every statement's SQL) is off by default, on with DBT_LOG_LEVEL_FILE."""
    first, _ = inputs
    database = tmp_path / "quiet.duckdb"
    runner.build(first, database, capture=True, extra_args=STAGING_ONLY)
    log_text = (runner.dbt_target_path(database) / "logs" / "dbt.log").read_text()
    assert "[info ]" in log_text
    assert "[debug]" not in log_text


def test_rebuild_and_thread_count_change_nothing(inputs, tmp_path):
    """The full build (every model on main), idempotent and independent of threads."""
    _, second = inputs
    one_thread, four_threads = tmp_path / "t1.duckdb", tmp_path / "t4.duckdb"
    runner.build(second, one_thread, threads=1, capture=True)
    runner.build(second, four_threads, threads=4, capture=True)
    first_run = contents(four_threads)
    assert first_run["staging.stg_user_profiles"]
    assert contents(one_thread) == first_run
    runner.build(second, four_threads, threads=4, capture=True)
    assert contents(four_threads) == first_run


@pytest.mark.parametrize("name", ["marts", "Staging", "intermediate"])
def test_a_database_named_like_a_schema_is_refused_before_anything_is_built(name, tmp_path):
    sample = Path(__file__).resolve().parents[2] / "data/sample/user_profiles_sample.csv"
    with pytest.raises(runner.BuildError, match="schemas"):
        runner.build(sample, tmp_path / f"{name}.duckdb", capture=True)
    assert list(tmp_path.iterdir()) == []
