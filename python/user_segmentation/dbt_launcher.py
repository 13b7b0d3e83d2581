"""Run dbt's command line in this process, tuned for one short-lived build.

``python -m user_segmentation.dbt_launcher build ...`` is the same as
``dbt build ...`` (same arguments, output and exit code) with two
differences, both measured with ``bench/run.py`` and side by side (README,
"Where the time goes"):

* Python's cyclic garbage collector is off. dbt allocates millions of small
  objects (the manifest, Jinja templates, a context per node); every so often
  the collector walks all of them looking for cycles, and a build spent about
  a quarter of its Python time there. dbt's garbage lives only as long as the
  process, which ends with the build; memory that is freed by reference
  counting (nearly all of it, including the Python model's arrays) is freed
  as before. ``USER_SEGMENTATION_DBT_GC=on`` keeps the collector on.
* The process ends without Python's interpreter shutdown. After dbt returns,
  the exit handlers run as usual (dbt-duckdb's closes the database, which
  checkpoints it; ``logging`` flushes dbt's log file), then the process exits
  at once, skipping the final collection of every object left, which took
  ~0.7 s after dbt had printed "Done".
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

GC_ENV_VAR = "USER_SEGMENTATION_DBT_GC"


def exit_code(value: object) -> int:
    """The process exit code of a ``SystemExit`` value (as the interpreter computes it)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run dbt with ``argv`` (default: this process's arguments); returns dbt's exit code."""
    if os.environ.get(GC_ENV_VAR, "off").lower() not in ("on", "1", "true"):
        gc.disable()
    from dbt.cli.main import cli

    try:
        cli.main(args=sys.argv[1:] if argv is None else argv, prog_name="dbt")
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
