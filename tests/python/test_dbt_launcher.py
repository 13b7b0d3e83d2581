"""The dbt launcher: dbt's own command line, exit codes, collector setting, complete logs."""

from __future__ import annotations

import gc
import subprocess
import sys
import types

import pytest
from user_segmentation import dbt_launcher, runner


def launch(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*runner.dbt_command(), *args], capture_output=True, text=True, timeout=120, **kwargs
    )


def test_exit_code_values(capsys):
    assert dbt_launcher.exit_code(None) == 0
    assert dbt_launcher.exit_code(0) == 0
    assert dbt_launcher.exit_code(2) == 2
    assert dbt_launcher.exit_code("bad things") == 1
    assert "bad things" in capsys.readouterr().err


def test_runs_dbt_and_returns_its_exit_code():
    version = launch("--version")
    assert version.returncode == 0, version.stderr
    assert "Core:" in version.stdout
    # an unknown option is dbt's (click's) usage error, exit code 2, as with `dbt`
    usage = launch("parse", "--no-such-option")
    assert usage.returncode == 2
    assert "No such option" in usage.stderr


@pytest.fixture
def fake_dbt(monkeypatch):
    """Replace dbt's command line with one that records the collector's state and exits."""
    seen = {}

    def main(args, prog_name):
        seen["gc_enabled"] = gc.isenabled()
        seen["args"] = args
        raise SystemExit(1)

    fake = types.ModuleType("dbt.cli.main")
    fake.cli = types.SimpleNamespace(main=main)
    monkeypatch.setitem(sys.modules, "dbt.cli.main", fake)
    yield seen
    gc.enable()


def test_collector_off_by_default(fake_dbt, monkeypatch):
    monkeypatch.delenv(dbt_launcher.GC_ENV_VAR, raising=False)
    assert dbt_launcher.main(["build", "--select", "x"]) == 1
    assert fake_dbt == {"gc_enabled": False, "args": ["build", "--select", "x"]}


def test_collector_kept_on_when_asked(fake_dbt, monkeypatch):
    monkeypatch.setenv(dbt_launcher.GC_ENV_VAR, "on")
    assert dbt_launcher.main(["parse"]) == 1
    assert fake_dbt["gc_enabled"] is True


def test_log_file_complete_after_fast_exit(tmp_path):
    """The process exits without interpreter shutdown: dbt's log must still be flushed."""
    result = launch(
        "parse",
        "--project-dir",
        str(runner.PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
        env={
            **runner.os.environ,
            "DBT_PROFILES_DIR": str(runner.PROJECT_DIR),
            "USER_SEGMENTATION_DB": str(tmp_path / "parse.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    # among the last lines dbt logs for a command: the command's completion
    assert "Command `dbt parse` succeeded" in log
