"""Run dbt's command line in this process, tuned for one short-lived build.

``python -m user_segmentation.dbt_launcher build ...`` is the same as
``dbt build ...`` (same arguments, output and exit code) with four
differences, each measured side by side and with ``bench/run.py`` (``bench/PERFORMANCE.md``,
"Where the time goes"):

* Python's cyclic garbage collector is off. dbt allocates millions of small
  objects (the manifest, Jinja templates, a context per node); every so often
  the collector walks all of them looking for cycles (with it off, and the
  exit below, a 1k build took 5.9-6.9 s instead of 7.0-8.3 s). dbt's
  garbage lives only as long as the process, which ends with the build;
  memory that is freed by reference counting (nearly all of it, including
  the Python model's arrays) is freed as before (peak +80 MB).
  ``USER_SEGMENTATION_DBT_GC=on`` keeps the collector on.
* The process ends without Python's interpreter shutdown. After dbt returns,
  the exit handlers run as usual (dbt-duckdb's closes the database, which
  checkpoints it; ``logging`` flushes dbt's log file), then the process exits
  at once, skipping the final collection of every object left, which took
  ~0.7 s after dbt had printed "Done".
* The segmentation engine (scikit-learn, SciPy, pandas: ~0.8 s of one core)
  is imported on a background thread as soon as ``fct_user_features``
  starts, instead of inside the Python model: the model is on the build's
  critical path, with the other core idle, while ``fct_user_features`` and
  the models after it leave room for an import (1M users: the model node
  1.8 -> 1.2-1.6 s, the build ~0.3 s shorter side by side; at 1k up to
  0.3 s longer). ``USER_SEGMENTATION_PRELOAD=off`` turns it off.
* A debug-level event that no log would write is dropped before dbt builds
  its message. dbt fires several debug events per node and per SQL
  statement (the statement's text, its status, the connection used, ...)
  and turns each into a protobuf message before asking its loggers whether
  they want it; the runner keeps the file log at info, so none of them is
  ever written. The filter asks first: when any logger writes debug
  (``--debug``, ``DBT_LOG_LEVEL_FILE=debug``) every event goes through as
  before, and the events the launcher's own callbacks watch
  (:data:`CALLBACK_EVENTS`) always do (side by side: 1k 6.6-6.7 -> 6.2-6.3 s,
  1M 14.0-14.4 -> 13.5-13.8 s). ``USER_SEGMENTATION_EVENT_FILTER=off`` turns
  it off.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
import threading

GC_ENV_VAR = "USER_SEGMENTATION_DBT_GC"
PRELOAD_ENV_VAR = "USER_SEGMENTATION_PRELOAD"
# when this model starts, import these modules on a background thread
PRELOAD_TRIGGER = "fct_user_features"
PRELOAD_MODULES = ("user_segmentation.segmentation",)
EVENT_FILTER_ENV_VAR = "USER_SEGMENTATION_EVENT_FILTER"
# the dbt events the launcher's callbacks read: NodeStart (preload_callback) is a debug-level event
CALLBACK_EVENTS = frozenset({"NodeStart"})


def exit_code(value: object) -> int:
    """The process exit code of a ``SystemExit`` value (as the interpreter computes it)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


def import_modules(names: tuple[str, ...]) -> None:
    for name in names:
        importlib.import_module(name)


def preload_callback(trigger: str = PRELOAD_TRIGGER, modules: tuple[str, ...] = PRELOAD_MODULES):
    """A dbt event callback that starts importing ``modules`` when the model ``trigger`` starts.

    Python's import lock makes the model's own ``import`` wait for the thread
    if it is still running; an import error is raised there again, as usual.
    """
    started = threading.Event()

    def callback(event) -> None:
        if started.is_set() or event.info.name != "NodeStart":
            return
        if event.data.node_info.node_name != trigger:
            return
        started.set()
        threading.Thread(target=import_modules, args=(modules,), name="preload", daemon=True).start()

    callback.started = started
    return callback


def filter_debug_events(event_manager_class, keep: frozenset[str] = CALLBACK_EVENTS) -> None:
    """Make ``event_manager_class.fire_event`` drop debug events that no logger writes.

    An event is dropped only when it is at debug level, not named in
    ``keep``, and none of the manager's loggers writes debug; everything
    else goes to dbt's own ``fire_event`` unchanged. The loggers are asked
    at each event, so a logger added later is seen.
    """
    from dbt_common.events.base_types import EventLevel

    fire_event = event_manager_class.fire_event
    if getattr(fire_event, "drops_unread_debug_events", False):
        return

    def fire_event_unless_unread(self, e, level=None, node=None, force_warn_or_error_handling=False):
        if (
            (level or e.level_tag()) == EventLevel.DEBUG
            and not force_warn_or_error_handling
            and type(e).__name__ not in keep
            and all(logger.level != EventLevel.DEBUG for logger in self.loggers)
        ):
            return
        fire_event(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

    fire_event_unless_unread.drops_unread_debug_events = True
    event_manager_class.fire_event = fire_event_unless_unread


def is_on(name: str, default: str) -> bool:
    return os.environ.get(name, default).lower() in ("on", "1", "true")


def main(argv: list[str] | None = None) -> int:
    """Run dbt with ``argv`` (default: this process's arguments); returns dbt's exit code."""
    if not is_on(GC_ENV_VAR, "off"):
        gc.disable()
    if is_on(EVENT_FILTER_ENV_VAR, "on"):
        from dbt_common.events.event_manager import EventManager

        filter_debug_events(EventManager)
    from dbt.cli.main import cli

    callbacks = [preload_callback()] if is_on(PRELOAD_ENV_VAR, "on") else []
    try:
        # obj: what dbtRunner passes too; dbt's preflight keeps it
        cli.main(args=sys.argv[1:] if argv is None else argv, prog_name="dbt", obj={"callbacks": callbacks})
    except SystemExit as stop:
        return exit_code(stop.code)
    return 0


if __name__ == "__main__":
    code = main()
    # What the interpreter's shutdown would do that matters: exit handlers
    # (close DuckDB, flush logs) and the standard streams; then exit.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
