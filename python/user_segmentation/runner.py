"""Build the project into a working database and publish it only when it is good.

``make build`` calls :func:`build`.  dbt writes into ``<db>.building``; when
``dbt build`` (every model and every test) succeeds, the working file is
checkpointed and renamed over the published database in one atomic step, so an
analyst holding the published file open keeps reading the last good build, and
a failed or killed build leaves it untouched.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[2]


class BuildError(RuntimeError):
    """The build stopped; the published database was left as it was."""


@dataclass
class BuildResult:
    """What a successful build published."""

    database: Path
    input_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    audience_files: list = field(default_factory=list)


def dbt_executable() -> str:
    """The ``dbt`` next to the running interpreter (the project's venv), else PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def working_path(database: Path) -> Path:
    return database.with_name(database.name + ".building")


def run_dbt(
    args: list[str],
    database: Path,
    dbt_vars: dict | None = None,
    threads: int = 2,
    project_dir: Path = PROJECT_DIR,
    capture: bool = False,
) -> subprocess.CompletedProcess:
    """Run one dbt command against ``database`` with ``dbt_vars``."""
    env = dict(os.environ)
    env["USER_SEGMENTATION_DB"] = str(database)
    env["USER_SEGMENTATION_THREADS"] = str(threads)
    env.setdefault("DBT_PROFILES_DIR", str(project_dir))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    command = [dbt_executable(), *args, "--project-dir", str(project_dir)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    log.info("running: %s", " ".join(command))
    return subprocess.run(
        command,
        cwd=project_dir,
        env=env,
        check=False,
        text=True,
        capture_output=capture,
    )


def checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file so that one rename moves everything."""
    import duckdb

    con = duckdb.connect(str(database))
    try:
        con.execute("checkpoint")
    finally:
        con.close()


def build(
    input_path: str | Path,
    database: str | Path,
    threads: int = 2,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    extra_args: list[str] | None = None,
    capture: bool = False,
    export_dir: str | Path | None = None,
    export_audiences: bool = True,
) -> BuildResult:
    """Run ``dbt build`` on ``input_path`` and publish ``database`` atomically.

    When ``export_audiences``, the campaign audience files are written (see
    :mod:`user_segmentation.export`) after every test passed and before the
    database is published; a failed export publishes nothing.
    """
    input_file = Path(input_path).expanduser()
    if not input_file.is_absolute():
        input_file = (Path.cwd() / input_file).resolve()
    if not input_file.is_file():
        raise BuildError(f"input file {input_file} does not exist (or is not a file)")
    target = Path(database).expanduser()
    if not target.is_absolute():
        target = (Path.cwd() / target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    work = working_path(target)
    for stale in (work, work.with_name(work.name + ".wal")):
        stale.unlink(missing_ok=True)

    all_vars = {"input_path": str(input_file), **(dbt_vars or {})}
    result = run_dbt(
        ["build", *(extra_args or [])],
        database=work,
        dbt_vars=all_vars,
        threads=threads,
        project_dir=project_dir,
        capture=capture,
    )
    if result.returncode != 0:
        detail = ""
        if capture:
            detail = "\n" + (result.stdout or "")[-4000:]
        raise BuildError(
            f"dbt build failed on {input_file}; the published database {target} was not "
            f"changed (the partial build is in {work}).{detail}"
        )
    checkpoint(work)
    audience_files = _export_audiences(work, export_dir) if export_audiences else []
    os.replace(work, target)
    counts = table_counts(target)
    return BuildResult(database=target, input_path=input_file, counts=counts, audience_files=audience_files)


def _export_audiences(work: Path, export_dir: str | Path | None) -> list:
    """Write the audience files from the working database (issue 5, python/.../export.py)."""
    from user_segmentation import export

    if not os.environ.get("AUDIENCE_HASH_SALT"):
        log.warning(
            "AUDIENCE_HASH_SALT is not set: audience files hold unsalted SHA-256 of user ids, "
            "which can be reversed by hashing every id; set a secret salt before sharing them"
        )
    try:
        return export.export_audiences(work, export_dir)
    except (OSError, export.ExportError) as error:
        raise BuildError(
            f"writing the audience files failed ({error}); the published database was not changed."
        ) from error


def table_counts(database: Path) -> dict[str, int]:
    """Row counts of the staging tables, for the closing message."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        counts = {}
        for name in ("stg_user_profiles", "stg_user_profiles__rejected"):
            rows = con.execute(f"select count(*) from staging.{name}").fetchall()
            counts[name] = int(rows[0][0])
        return counts
    finally:
        con.close()


def describe(result: BuildResult) -> str:
    staged = result.counts.get("stg_user_profiles", 0)
    rejected = result.counts.get("stg_user_profiles__rejected", 0)
    return (
        f"Built {result.input_path}: {staged:,} users staged, {rejected:,} rows rejected.\n"
        f"Database: {result.database}\n"
        f"Query it:  make sql DB={result.database}\n"
        f"       or  duckdb -readonly {result.database}   (any DuckDB 2.x client)\n"
        f"Rejected rows and their reasons: select * from staging.stg_user_profiles__rejected;"
        + _describe_exports(result)
    )


def _describe_exports(result: BuildResult) -> str:
    if not result.audience_files:
        return ""
    folder = result.audience_files[0].path.parent
    campaigns = len({file.campaign_id for file in result.audience_files})
    return f"\nAudience files (CSV + Parquet) of {campaigns} campaigns: {folder}"
