"""The dbt launcher: dbt's own command line, exit codes, collector setting, complete logs."""

from __future__ import annotations

import gc
import importlib.util
import io
import subprocess
import sys
import threading
import types

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt.events.types import NodeStart
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LoggerConfig
from dbt_common.events.types import Note
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
    # main() installs the debug-event filter on dbt's EventManager: undone after the test
    monkeypatch.setattr(EventManager, "fire_event", EventManager.fire_event)
    seen["event_filter"] = lambda: getattr(EventManager.fire_event, "drops_unread_debug_events", False)
    yield seen
    gc.enable()


def test_collector_off_and_preload_on_by_default(fake_dbt, monkeypatch):
    monkeypatch.delenv(dbt_launcher.GC_ENV_VAR, raising=False)
    monkeypatch.delenv(dbt_launcher.PRELOAD_ENV_VAR, raising=False)
    monkeypatch.delenv(dbt_launcher.EVENT_FILTER_ENV_VAR, raising=False)
    assert dbt_launcher.main(["build", "--select", "x"]) == 1
    assert fake_dbt.pop("event_filter")()
    assert fake_dbt == {"gc_enabled": False, "args": ["build", "--select", "x"], "callbacks": 1}


def test_collector_kept_on_and_preload_off_when_asked(fake_dbt, monkeypatch):
    monkeypatch.setenv(dbt_launcher.GC_ENV_VAR, "on")
    monkeypatch.setenv(dbt_launcher.PRELOAD_ENV_VAR, "off")
    monkeypatch.setenv(dbt_launcher.EVENT_FILTER_ENV_VAR, "off")
    assert dbt_launcher.main(["parse"]) == 1
    assert fake_dbt["gc_enabled"] is True
    assert fake_dbt["callbacks"] == 0
    assert not fake_dbt["event_filter"]()


class FilteredEventManager(EventManager):
    """dbt's own EventManager, with the launcher's filter installed on this subclass only."""


dbt_launcher.filter_debug_events(FilteredEventManager)
dbt_launcher.filter_debug_events(FilteredEventManager)  # a second install is a no-op


def event_manager(*levels: EventLevel) -> tuple[EventManager, list[str], io.StringIO]:
    """A manager with one logger per level (all writing to one stream) and a recording callback."""
    manager = FilteredEventManager()
    stream = io.StringIO()
    for number, level in enumerate(levels):
        manager.add_logger(LoggerConfig(name=f"logger{number}", level=level, output_stream=stream))
    received = []
    manager.add_callback(lambda message: received.append(message.info.name))
    return manager, received, stream


def fire_sample_events(manager: EventManager) -> None:
    manager.fire_event(SQLQuery(conn_name="model.x", sql="select 42", node_info={}))  # debug
    manager.fire_event(NodeStart(node_info={}))  # debug, read by preload_callback
    manager.fire_event(Note(msg="hello"))  # info
    manager.fire_event(Note(msg="hello at debug"), level=EventLevel.DEBUG)
    manager.fire_event(SQLQuery(conn_name="model.x", sql="select 7", node_info={}), level=EventLevel.WARN)


def test_debug_events_no_logger_writes_are_dropped():
    # the runner's loggers: stdout and the file log, both at info
    manager, received, stream = event_manager(EventLevel.INFO, EventLevel.INFO)
    fire_sample_events(manager)
    assert received == ["NodeStart", "Note", "SQLQuery"]
    assert "select 42" not in stream.getvalue()
    assert stream.getvalue().count("hello") == 2  # one line per logger, not the debug one
    assert "select 7" in stream.getvalue()


def test_every_event_goes_through_when_a_logger_writes_debug():
    manager, received, stream = event_manager(EventLevel.INFO)
    # e.g. --debug or DBT_LOG_LEVEL_FILE=debug; a logger added after the filter is seen
    manager.add_logger(LoggerConfig(name="debug", level=EventLevel.DEBUG, output_stream=stream))
    fire_sample_events(manager)
    assert received == ["SQLQuery", "NodeStart", "Note", "Note", "SQLQuery"]
    assert "select 42" in stream.getvalue()
    assert "hello at debug" in stream.getvalue()


def test_preload_still_starts_through_the_filter():
    manager, _, _ = event_manager(EventLevel.INFO, EventLevel.INFO)
    callback = dbt_launcher.preload_callback("fct_user_features", ())
    manager.add_callback(callback)
    manager.fire_event(NodeStart(node_info={"node_name": "fct_user_features"}))
    assert callback.started.is_set()


def test_the_filter_is_only_on_the_class_it_was_installed_on():
    manager = EventManager()
    received = []
    manager.add_callback(lambda message: received.append(message.info.name))
    manager.fire_event(SQLQuery(conn_name="model.x", sql="select 1", node_info={}))
    assert received == ["SQLQuery"]


def test_events_the_callbacks_read_are_kept():
    """preload_callback reads NodeStart, which dbt fires at debug level."""
    assert NodeStart(node_info={}).level_tag() == EventLevel.DEBUG
    assert "NodeStart" in dbt_launcher.CALLBACK_EVENTS


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
