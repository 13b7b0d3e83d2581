"""Write each campaign's audience to files an ad platform's customer-list upload accepts.

Called by :func:`user_segmentation.runner.build` after every dbt model and test
passed, from the freshly built database, before it is published. For every
campaign of ``marts.dim_campaigns`` it writes, into the export folder
(``--export-dir``, else the environment variable ``USER_SEGMENTATION_EXPORT_DIR``,
else ``exports/audiences``):

- ``audience_<campaign_id>.csv``      header ``hashed_user_id``, one row per user
- ``audience_<campaign_id>.parquet``  the same single string column

holding the users of ``marts.fct_campaign_audiences`` that are *not* held out
(the holdout is the control group: it must not be uploaded), sorted by hash.
Nothing else: no raw id, no segment, no demographics.

Safety: each file is created with mode 0600 (owner read/write only) from its
first byte, written under a temporary name and renamed into place, so a reader
never sees half a file; any CSV cell that a spreadsheet could run as a formula
is prefixed with a quote; campaign ids are checked before they name a file.
Files of campaigns that no longer exist are removed (only files named
``audience_*.csv`` / ``audience_*.parquet``).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

# Shared with the rest of the project (issue 8): formula escaping and owner-only atomic writes.
from user_segmentation.safety import (
    FORMULA_PREFIXES,
    PRIVATE_FILE_MODE,
    escape_csv_formula,
    private_umask,
    write_private,
)

__all__ = ["AudienceFile", "ExportError", "escape_csv_formula", "export_audiences", "write_private"]

log = logging.getLogger(__name__)

DEFAULT_EXPORT_DIR = Path("exports/audiences")
EXPORT_DIR_ENV_VAR = "USER_SEGMENTATION_EXPORT_DIR"
EXPORT_COLUMN = "hashed_user_id"
CAMPAIGN_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
FILE_PATTERN = re.compile(r"audience_([A-Za-z0-9_-]{1,64})\.(csv|parquet)")


class ExportError(RuntimeError):
    """An audience file could not be written."""


@dataclass(frozen=True)
class AudienceFile:
    campaign_id: str
    path: Path
    users: int


def resolve_export_dir(export_dir: str | Path | None = None) -> Path:
    """The export folder: the argument, else $USER_SEGMENTATION_EXPORT_DIR, else exports/audiences."""
    chosen = export_dir or os.environ.get(EXPORT_DIR_ENV_VAR) or DEFAULT_EXPORT_DIR
    folder = Path(chosen).expanduser()
    return folder if folder.is_absolute() else (Path.cwd() / folder).resolve()


def escaped_sql(column: str) -> str:
    """SQL of :func:`escape_csv_formula` applied to a text column (DuckDB writes the CSV files)."""
    prefixes = ", ".join("'" + prefix.replace("'", "''") + "'" for prefix in FORMULA_PREFIXES)
    quote = "''''"  # SQL for the text '
    condition = f"list_contains([{prefixes}], left({column}, 1))"
    return f"case when {condition} then {quote} || {column} else {column} end"


def _has_audience_tables(con) -> bool:
    present = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' "
        "and table_name in ('dim_campaigns', 'fct_campaign_audiences')"
    ).fetchall()[0][0]
    return present == 2


def _copy_private(con, query: str, params: list, path: Path, options: str) -> None:
    """``COPY (query) TO path`` as an owner-only file that appears whole (as write_private does)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        # DuckDB creates the file itself: under an owner-only umask it is 0600
        # from its first byte (the chmod only guards against odd file systems)
        quoted = str(temporary).replace("'", "''")
        with private_umask():
            con.execute(f"copy ({query}) to '{quoted}' ({options})", params)
        os.chmod(temporary, PRIVATE_FILE_MODE)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def export_audiences(
    database: str | Path, export_dir: str | Path | None = None, memory_limit: str | None = None
) -> list[AudienceFile]:
    """Write one CSV and one Parquet file per campaign; return what was written.

    DuckDB streams each file straight from the audience view, sorted by hash,
    so the export's memory does not grow with the audience. ``memory_limit``:
    DuckDB's (default: the build's, see ``runner.duckdb_config``).
    """
    import duckdb

    folder = resolve_export_dir(export_dir)
    from user_segmentation.runner import duckdb_config

    con = duckdb.connect(str(database), read_only=True, config=duckdb_config(memory_limit))
    try:
        if not _has_audience_tables(con):
            log.info("no audience tables in %s (models not selected): no audience files written", database)
            return []
        rows = con.execute("select campaign_id from marts.dim_campaigns order by campaign_id").fetchall()
        campaigns = [row[0] for row in rows]
        for campaign in campaigns:
            if not CAMPAIGN_ID_PATTERN.fullmatch(campaign):
                raise ExportError(
                    f"campaign id {campaign!r} cannot name an audience file: use letters, digits, '_' "
                    "and '-' only (at most 64)"
                )
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        written: list[AudienceFile] = []
        for campaign in campaigns:
            users = con.execute(
                "select count(*) from marts.fct_campaign_audiences where campaign_id = ? and not is_holdout",
                [campaign],
            ).fetchall()[0][0]
            for suffix, column, options in (
                ("csv", escaped_sql(EXPORT_COLUMN), "format csv, header true"),
                ("parquet", EXPORT_COLUMN, "format parquet, compression zstd"),
            ):
                query = (
                    f"select {column} as {EXPORT_COLUMN} from marts.fct_campaign_audiences "
                    f"where campaign_id = ? and not is_holdout order by {EXPORT_COLUMN}"
                )
                path = folder / f"audience_{campaign}.{suffix}"
                _copy_private(con, query, [campaign], path, options)
                written.append(AudienceFile(campaign_id=campaign, path=path, users=users))
    finally:
        con.close()
    for stale in sorted(folder.iterdir()):
        match = FILE_PATTERN.fullmatch(stale.name)
        if match and match.group(1) not in campaigns:
            log.info("removing %s (campaign no longer in the seed)", stale)
            stale.unlink()
    log.info("wrote %d audience files to %s", len(written), folder)
    return written
