"""Build the project into a working database and publish it only when it is good.

``make build`` calls :func:`build`.  dbt writes into
``<db>.building/user_segmentation.duckdb``; when ``dbt build`` (every model and
every test) succeeds, the working file is checkpointed and renamed over the
published database in one atomic step, so an
analyst holding the published file open keeps reading the last good build, and
a failed or killed build leaves it untouched.

Two builds of the same database never share a working file: a build holds an
exclusive lock on ``<db>.lock`` (an OS file lock, released by the kernel when
the process dies, so a killed build never leaves a stale lock) and a second
build of that database is refused with a clear message while the first runs.
The dbt child inherits the lock, so even an orphaned dbt keeps it until it
exits.  Working files left by a killed build are removed by the next build.

When a build fails, :class:`BuildError` carries one plain paragraph saying
what went wrong (file, line or column, problem), extracted from dbt's
``run_results.json`` and output, never a stack trace.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[2]

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class BuildError(RuntimeError):
    """The build stopped; the published database was left as it was."""


@dataclass
class BuildResult:
    """What a successful build published."""

    database: Path
    input_path: Path
    counts: dict[str, int] = field(default_factory=dict)
    audience_files: list = field(default_factory=list)


# Schemas whose tables the project's views read. DuckDB keeps a view's
# references without the database name, so a database file named like one of
# them (marts.duckdb) makes `marts.x` ambiguous (catalog or schema?).
VIEW_SCHEMAS = ("staging", "intermediate", "marts")


def dbt_command() -> list[str]:
    """dbt's command line, run by this interpreter (the project's venv).

    Through :mod:`user_segmentation.dbt_launcher`: the same as ``dbt`` with
    Python's cyclic garbage collector off, no interpreter shutdown after the
    build and the segmentation engine imported ahead of the Python model (its
    docstring has the measurements).
    """
    return [sys.executable, "-m", "user_segmentation.dbt_launcher"]


# The working database's file name, the same for every build: dbt runs in the
# working folder and the profile's path is this name, so the connection details
# dbt hashes for partial parsing never change and no build has to re-parse the
# whole project just because it builds into another database (3.3 s vs 1 s).
WORKING_NAME = "user_segmentation.duckdb"

# DuckDB's memory limit of a build: the profile's USER_SEGMENTATION_MEMORY_LIMIT,
# else this. A size such as 2GB, 1500MB or 3GiB, or a share of RAM such as 25%
# (what DuckDB's memory_limit takes).
DEFAULT_MEMORY_LIMIT = "1GB"
MEMORY_LIMIT_PATTERN = re.compile(r"\s*\d+(\.\d+)?\s*([KMGT]i?B?|B|%)\s*", re.IGNORECASE)


def working_dir(database: Path) -> Path:
    """The folder of the working database (beside ``database``: same file system)."""
    return database.with_name(database.name + ".building")


def working_path(database: Path) -> Path:
    """The file dbt builds into before it is published as ``database``."""
    return working_dir(database) / WORKING_NAME


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def dbt_target_path(database: Path) -> Path:
    """dbt's target folder for builds of ``database`` (artifacts, partial parse).

    One per published database, so that concurrent builds of different
    databases never write each other's ``run_results.json``.  A
    ``DBT_TARGET_PATH`` set in the environment wins (the caller then keeps
    concurrent builds apart itself).
    """
    if os.environ.get("DBT_TARGET_PATH"):
        return Path(os.environ["DBT_TARGET_PATH"])
    return database.with_name("." + database.name + ".dbt")


def remove_stale_working_files(database: Path) -> None:
    """Remove what a killed or failed earlier build of ``database`` left."""
    work = working_dir(database)
    if work.is_dir() and not work.is_symlink():
        log.info("removing %s left by an earlier build", work)
        shutil.rmtree(work)
    # a file there, and its log: the layout of earlier versions
    for stale in (work, work.with_name(work.name + ".wal")):
        if stale.is_file() or stale.is_symlink():
            log.info("removing %s left by an earlier build", stale)
            stale.unlink()


def parse_cache_path(project_dir: Path, dbt_vars: dict | None) -> Path:
    """Where builds of the project share dbt's partial-parse file (one per set of vars).

    dbt keeps it in the target folder, which is one per database; a build into
    a new database starts from the last one saved here instead of parsing the
    whole project.  dbt re-parses whatever changed since (files, environment
    variables), so a stale copy costs time, never correctness.
    """
    key = hashlib.sha256(json.dumps(dbt_vars or {}, sort_keys=True).encode()).hexdigest()[:16]
    return project_dir / "build" / ".dbt-parse" / f"partial_parse-{key}.msgpack"


def _restore_parse_cache(cache: Path, dbt_target: Path) -> None:
    saved = dbt_target / "partial_parse.msgpack"
    if saved.exists() or not cache.is_file():
        return
    try:
        dbt_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, saved)
    except OSError as error:  # a cache: never a reason to fail the build
        log.info("partial-parse cache not used: %s", error)


def _save_parse_cache(cache: Path, dbt_target: Path) -> None:
    saved = dbt_target / "partial_parse.msgpack"
    if not saved.is_file():
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}")
        shutil.copyfile(saved, partial)
        os.replace(partial, cache)
    except OSError as error:
        log.info("partial-parse cache not saved: %s", error)


@contextmanager
def build_lock(database: Path) -> Iterator[int]:
    """Hold the exclusive build lock of ``database``; refuse if another build holds it.

    Yields the lock's file descriptor (pass it to children that must keep the
    lock while they run).
    """
    path = lock_path(database)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise BuildError(
                f"another build of {database} is running ({holder}); the published database "
                "was not changed. Wait for that build to finish, or build into another DB."
            ) from None
        started = dt.datetime.now().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()}, started {started}".encode(), 0)
        yield fd
    finally:
        os.close(fd)


def run_dbt(
    args: list[str],
    database: Path,
    dbt_vars: dict | None = None,
    threads: int = 2,
    project_dir: Path = PROJECT_DIR,
    capture: bool = False,
    target_path: Path | None = None,
    pass_fds: tuple[int, ...] = (),
    input_path: Path | None = None,
    memory_limit: str | None = None,
) -> subprocess.CompletedProcess:
    """Run one dbt command against ``database`` with ``dbt_vars``.

    dbt runs in ``database``'s folder with the profile's path set to its bare
    file name (see :data:`WORKING_NAME`); the project's own relative paths
    (``model_dir``, ``input_path``, the Python package) are resolved against
    ``project_dir``, passed as ``USER_SEGMENTATION_PROJECT_DIR``.

    ``input_path`` reaches dbt as the environment variable
    ``USER_SEGMENTATION_INPUT`` rather than as a var (dbt re-parses the whole
    project when any ``--vars`` value changes), which the project's dbt-duckdb
    plugin binds as a DuckDB session variable: dbt never reads it, so a new
    input file re-parses nothing. Only its format (``csv`` or ``parquet``,
    ``USER_SEGMENTATION_INPUT_FORMAT``) is part of the parse.

    ``memory_limit`` (e.g. ``2GB``) becomes ``USER_SEGMENTATION_MEMORY_LIMIT``,
    DuckDB's memory limit in ``profiles.yml``; None keeps the environment's.

    The output is always collected (for error messages) and, unless
    ``capture``, also echoed to stdout as it comes.
    """
    env = dict(os.environ)
    if input_path is not None:
        env["USER_SEGMENTATION_INPUT"] = str(input_path)
        is_parquet = Path(input_path).suffix.lower() == ".parquet"
        env["USER_SEGMENTATION_INPUT_FORMAT"] = "parquet" if is_parquet else "csv"
    database = resolve(database)
    env["USER_SEGMENTATION_DB"] = database.name
    env["USER_SEGMENTATION_PROJECT_DIR"] = str(project_dir)
    env["USER_SEGMENTATION_THREADS"] = str(threads)
    if memory_limit:
        env["USER_SEGMENTATION_MEMORY_LIMIT"] = memory_limit
    env.setdefault("DBT_PROFILES_DIR", str(project_dir))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # dbt's file log defaults to debug: every statement's full SQL (measured:
    # a 1k build 8.1-8.2 s with it, 7.8-7.9 s at info). The compiled SQL is in
    # the target folder anyway; DBT_LOG_LEVEL_FILE=debug brings it back.
    env.setdefault("DBT_LOG_LEVEL_FILE", "info")
    command = [*dbt_command(), *args, "--project-dir", str(project_dir)]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
        if not env.get("DBT_LOG_PATH"):
            command += ["--log-path", str(target_path / "logs")]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    log.info("running: %s", " ".join(command))
    process = subprocess.Popen(
        command,
        cwd=database.parent,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        pass_fds=pass_fds,
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if not capture:
            sys.stdout.write(line)
            sys.stdout.flush()
    returncode = process.wait()
    return subprocess.CompletedProcess(command, returncode, stdout="".join(lines), stderr="")


def duckdb_config(memory_limit: str | None = None) -> dict:
    """Settings of the runner's own DuckDB connections: the build's memory limit.

    ``memory_limit`` when given, else ``USER_SEGMENTATION_MEMORY_LIMIT``, else
    the default of ``profiles.yml`` (1GB).
    """
    return {
        "memory_limit": memory_limit
        or os.environ.get("USER_SEGMENTATION_MEMORY_LIMIT")
        or DEFAULT_MEMORY_LIMIT
    }


def check_memory_limit(value: str, source: str) -> str:
    """``value`` as DuckDB's memory limit, or a :class:`BuildError` naming ``source``.

    Checked before dbt starts, so that a typo is one plain sentence instead
    of a failed connection in every dbt thread.
    """
    if not MEMORY_LIMIT_PATTERN.fullmatch(value):
        raise BuildError(
            f"{source} {value!r} is not a memory size: give one such as 2GB, 1500MB or 3GiB "
            "(DuckDB's memory_limit); nothing was built."
        )
    return value.strip()


def checkpoint(database: Path, memory_limit: str | None = None) -> None:
    """Fold the write-ahead log into the file so that one rename moves everything."""
    import duckdb

    con = duckdb.connect(str(database), config=duckdb_config(memory_limit))
    try:
        con.execute("checkpoint")
    finally:
        con.close()


def resolve(path: str | Path) -> Path:
    resolved = Path(path).expanduser()
    if not resolved.is_absolute():
        resolved = (Path.cwd() / resolved).resolve()
    return resolved


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
    unit_tests: bool = False,
    memory_limit: str | None = None,
) -> BuildResult:
    """Run ``dbt build`` on ``input_path`` and publish ``database`` atomically.

    When ``export_audiences``, the campaign audience files are written (see
    :mod:`user_segmentation.export`) after every test passed and before the
    database is published; a failed export publishes nothing.

    dbt's unit tests (fixed inputs, independent of the data) are left out
    unless ``unit_tests``, as dbt recommends for production builds; ``make
    test`` and CI run them.

    ``memory_limit`` (e.g. ``2GB``) is DuckDB's memory limit for dbt and for
    the runner's own connections (checkpoint, export); None: the environment's
    ``USER_SEGMENTATION_MEMORY_LIMIT``, else 1GB. Work beyond it spills to
    disk; a larger limit helps inputs of tens of millions of users (README,
    "Bigger inputs").

    Raises :class:`BuildError` (one plain paragraph) when the input cannot be
    read, another build of ``database`` is running, or any model or test
    fails; ``database`` is then exactly as it was.
    """
    if memory_limit is not None:
        memory_limit = check_memory_limit(memory_limit, "--memory-limit")
    elif os.environ.get("USER_SEGMENTATION_MEMORY_LIMIT"):
        check_memory_limit(os.environ["USER_SEGMENTATION_MEMORY_LIMIT"], "USER_SEGMENTATION_MEMORY_LIMIT")
    input_file = resolve(input_path)
    if not input_file.is_file():
        raise BuildError(
            f"input file {input_file} does not exist (or is not a file); "
            "the published database was not changed."
        )
    target = resolve(database)
    if target.stem.lower() in VIEW_SCHEMAS:
        raise BuildError(
            f"the database file name {target.name} is also the name of one of the project's schemas "
            f"({target.stem}): DuckDB names the database after its file, which makes the views' "
            f"references ambiguous. Choose another name, e.g. {target.stem}_users.duckdb; nothing was built."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    work = working_path(target)
    dbt_target = dbt_target_path(target)

    with build_lock(target) as lock_fd:
        remove_stale_working_files(target)
        work.parent.mkdir()
        (dbt_target / "run_results.json").unlink(missing_ok=True)
        parse_cache = parse_cache_path(project_dir, dbt_vars)
        _restore_parse_cache(parse_cache, dbt_target)

        dbt_args = ["build", *(extra_args or [])]
        if not unit_tests:
            dbt_args += ["--exclude-resource-type", "unit_test"]
        result = run_dbt(
            dbt_args,
            database=work,
            dbt_vars=dbt_vars or None,
            input_path=input_file,
            threads=threads,
            project_dir=project_dir,
            capture=capture,
            target_path=dbt_target,
            pass_fds=(lock_fd,),
            memory_limit=memory_limit,
        )
        _save_parse_cache(parse_cache, dbt_target)
        if result.returncode != 0:
            problem = explain_failure(result.returncode, result.stdout, dbt_target / "run_results.json")
            raise BuildError(
                f"{problem} Nothing was published: {target} was not changed "
                f"(the partial build is in {work}, removed by the next build)."
            )
        checkpoint(work, memory_limit)
        audience_files = _export_audiences(work, export_dir, memory_limit) if export_audiences else []
        os.replace(work, target)
        shutil.rmtree(work.parent, ignore_errors=True)
    counts = table_counts(target, memory_limit)
    return BuildResult(database=target, input_path=input_file, counts=counts, audience_files=audience_files)


def _export_audiences(work: Path, export_dir: str | Path | None, memory_limit: str | None = None) -> list:
    """Write the audience files from the working database (issue 5, python/.../export.py)."""
    from user_segmentation import export

    if not os.environ.get("AUDIENCE_HASH_SALT"):
        log.warning(
            "AUDIENCE_HASH_SALT is not set: audience files hold unsalted SHA-256 of user ids, "
            "which can be reversed by hashing every id; set a secret salt before sharing them"
        )
    try:
        return export.export_audiences(work, export_dir, memory_limit=memory_limit)
    except (OSError, export.ExportError) as error:
        raise BuildError(
            f"writing the audience files failed ({error}); the published database was not changed."
        ) from error


# ---------------------------------------------------------------------------
# Turning dbt's output into one plain paragraph
# ---------------------------------------------------------------------------

CSV_PROBLEMS = [
    (
        "Invalid unicode",
        "the file is not UTF-8 encoded; save it as UTF-8 (CSV UTF-8) and build again",
    ),
    (
        "quoted new lines",
        "a quoted value runs over a line break, which usually means a quote on this line or an "
        "earlier one is never closed; fix the quotes (values must not contain line breaks)",
    ),
    (
        "Maximum line size",
        "the line is longer than the CSV reader's limit of 2,000,000 bytes; "
        "the file is probably not a user profile CSV, or a value is far too long",
    ),
]


def _clean(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


def _database_message(message: str) -> str | None:
    """The plain problem inside a dbt node message, if it came from DuckDB."""
    message = _clean(message)
    csv_error = re.search(r"CSV Error on Line: (\d+)", message)
    if csv_error:
        line = csv_error.group(1)
        file_match = re.search(r"^\s*file = (.+)$", message, re.MULTILINE)
        file_name = file_match.group(1).strip() if file_match else "the input file"
        for needle, words in CSV_PROBLEMS:
            if needle in message:
                return f"input file {file_name}, line {line}: {words}."
        after = message[csv_error.end() :].splitlines()
        detail = next(
            (row.strip() for row in after[1:] if row.strip() and not row.startswith("Original Line")),
            "it cannot be read as CSV",
        )
        return f"input file {file_name}, line {line}: {detail}"
    for kind in ("Invalid Input Error", "IO Error", "Conversion Error", "Binder Error", "Parser Error"):
        found = re.search(kind + r": (.+)", message)
        if found:
            text = found.group(1).strip()
            if kind == "Invalid Input Error" and text.startswith("input file"):
                return text + "."
            return f"the database reported: {text}"
    return None


def explain_failure(returncode: int, output: str, run_results: Path) -> str:
    """One paragraph saying why ``dbt build`` failed, for people, not a stack trace."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"dbt was stopped ({name}) before it finished."
    problems: list[str] = []
    if run_results.is_file():
        results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
        for node in results:
            status = node.get("status")
            if status not in ("error", "fail", "runtime error"):
                continue
            unique_id = node.get("unique_id", "")
            # model.<package>.<name>, test.<package>.<name>[.<hash>], unit_test.<package>.<model>.<name>
            parts = unique_id.split(".")
            kind = parts[0].replace("_", " ")
            name = (parts[-1] if parts[0] == "unit_test" else parts[2]) if len(parts) > 2 else unique_id
            message = node.get("message") or ""
            plain = _database_message(message)
            if plain is not None:
                problems.append(plain)
            elif status == "fail":
                failures = node.get("failures")
                problems.append(f"the data test {name} failed ({failures} failing rows).")
            else:
                first = next((row.strip() for row in _clean(message).splitlines() if row.strip()), "")
                problems.append(f"{kind} {name} failed: {first}")
    if not problems:
        text = _clean(output)
        for marker in ("Compilation Error", "Parsing Error", "Runtime Error", "Database Error"):
            index = text.find(marker)
            if index >= 0:
                rows = [row.strip() for row in text[index:].splitlines()[1:] if row.strip()]
                detail = " ".join(rows[:3]) if rows else marker
                problems.append(f"{marker}: {detail}")
                break
    if not problems:
        return f"dbt build failed (exit code {returncode})."
    unique = list(dict.fromkeys(problems))
    more = f" ({len(unique) - 1} more problem(s) in the dbt output.)" if len(unique) > 1 else ""
    return f"{unique[0]}{more}"


def table_counts(database: Path, memory_limit: str | None = None) -> dict[str, int]:
    """Row counts of the staging tables, for the closing message."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True, config=duckdb_config(memory_limit))
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
