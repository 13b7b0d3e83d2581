"""The dbt launcher: dbt's own command line, exit codes, collector setting, complete logs."""

from __future__ import annotations

import gc
import importlib.util
import subprocess
import sys
import threading
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

    def main(args, prog_name, obj):
        seen["gc_enabled"] = gc.isenabled()
        seen["args"] = args
        seen["callbacks"] = len(obj["callbacks"])
        raise SystemExit(1)

    fake = types.ModuleType("dbt.cli.main")
    fake.cli = types.SimpleNamespace(main=main)
    monkeypatch.setitem(sys.modules, "dbt.cli.main", fake)
    yield seen
    gc.enable()


def test_collector_off_and_preload_on_by_default(fake_dbt, monkeypatch):
    monkeypatch.delenv(dbt_launcher.GC_ENV_VAR, raising=False)
    monkeypatch.delenv(dbt_launcher.PRELOAD_ENV_VAR, raising=False)
    assert dbt_launcher.main(["build", "--select", "x"]) == 1
    assert fake_dbt == {"gc_enabled": False, "args": ["build", "--select", "x"], "callbacks": 1}


def test_collector_kept_on_and_preload_off_when_asked(fake_dbt, monkeypatch):
    monkeypatch.setenv(dbt_launcher.GC_ENV_VAR, "on")
    monkeypatch.setenv(dbt_launcher.PRELOAD_ENV_VAR, "off")
    assert dbt_launcher.main(["parse"]) == 1
    assert fake_dbt["gc_enabled"] is True
    assert fake_dbt["callbacks"] == 0


def event(name: str, node_name: str = ""):
    return types.SimpleNamespace(
        info=types.SimpleNamespace(name=name),
        data=types.SimpleNamespace(node_info=types.SimpleNamespace(node_name=node_name)),
    )


def test_preload_starts_once_when_the_trigger_model_starts(tmp_path, monkeypatch):
    (tmp_path / "preload_probe_module.py").write_text("import time\ntime.sleep(0.2)\nLOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "preload_probe_module", raising=False)
    callback = dbt_launcher.preload_callback("fct_user_features", ("preload_probe_module",))
    callback(event("NodeStart", "stg_user_profiles"))
    callback(event("NodeFinished", "fct_user_features"))
    assert not callback.started.is_set()
    callback(event("NodeStart", "fct_user_features"))
    assert callback.started.is_set()
    threads = [t for t in threading.enumerate() if t.name == "preload"]
    callback(event("NodeStart", "fct_user_features"))  # no second thread
    assert len([t for t in threading.enumerate() if t.name == "preload"]) <= len(threads) == 1
    # the model's own import waits for the thread (Python's import lock) and gets the module
    import preload_probe_module

    assert preload_probe_module.LOADED
    threads[0].join(timeout=10)


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


def test_preload_trigger_is_upstream_of_the_python_model():
    """Renaming the trigger model or the engine module would silently end the preload."""
    from conftest import REPO

    model = REPO / "models" / "intermediate" / "segmentation" / "int_segmentation_model.py"
    assert f'dbt.ref("{dbt_launcher.PRELOAD_TRIGGER}")' in model.read_text()
    assert list((REPO / "models").rglob(f"{dbt_launcher.PRELOAD_TRIGGER}.sql"))
    for name in dbt_launcher.PRELOAD_MODULES:
        assert importlib.util.find_spec(name) is not None
        assert f"from {name.rsplit('.', 1)[0]} import {name.rsplit('.', 1)[1]}" in model.read_text()
