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

import csv
import io
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# formula escaping and owner-only atomic files: the shared helpers (issue 8)
from user_segmentation.safety import (  # noqa: F401  (re-exported for callers and tests)
    FORMULA_PREFIXES,
    PRIVATE_FILE_MODE,
    escape_csv_formula,
    write_private,
)

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


def csv_bytes(hashed_ids: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([EXPORT_COLUMN])
    writer.writerows([escape_csv_formula(value)] for value in hashed_ids)
    return buffer.getvalue().encode("utf-8")


def parquet_bytes(hashed_ids: list[str]) -> bytes:
    table = pa.table({EXPORT_COLUMN: pa.array(hashed_ids, type=pa.string())})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def read_audiences(database: Path) -> dict[str, list[str]] | None:
    """Hashed ids of the users to upload (not held out), per campaign, sorted.

    None when the database has no audience tables (a build of selected models only).
    """
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        present = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' "
            "and table_name in ('dim_campaigns', 'fct_campaign_audiences')"
        ).fetchall()[0][0]
        if present < 2:
            return None
        campaigns = [
            row[0]
            for row in con.execute(
                "select campaign_id from marts.dim_campaigns order by campaign_id"
            ).fetchall()
        ]
        rows = con.execute(
            "select campaign_id, hashed_user_id from marts.fct_campaign_audiences "
            "where not is_holdout order by campaign_id, hashed_user_id"
        ).fetchall()
    finally:
        con.close()
    audiences: dict[str, list[str]] = {campaign: [] for campaign in campaigns}
    for campaign, hashed in rows:
        audiences.setdefault(campaign, []).append(hashed)
    return audiences


def export_audiences(database: str | Path, export_dir: str | Path | None = None) -> list[AudienceFile]:
    """Write one CSV and one Parquet file per campaign; return what was written."""
    folder = resolve_export_dir(export_dir)
    audiences = read_audiences(Path(database))
    if audiences is None:
        log.info("no audience tables in %s (models not selected): no audience files written", database)
        return []
    for campaign in audiences:
        if not CAMPAIGN_ID_PATTERN.fullmatch(campaign):
            raise ExportError(
                f"campaign id {campaign!r} cannot name an audience file: use letters, digits, '_' "
                "and '-' only (at most 64)"
            )
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: list[AudienceFile] = []
    for campaign, hashed_ids in audiences.items():
        for suffix, payload in (("csv", csv_bytes(hashed_ids)), ("parquet", parquet_bytes(hashed_ids))):
            path = folder / f"audience_{campaign}.{suffix}"
            write_private(path, payload)
            written.append(AudienceFile(campaign_id=campaign, path=path, users=len(hashed_ids)))
    for stale in sorted(folder.iterdir()):
        match = FILE_PATTERN.fullmatch(stale.name)
        if match and match.group(1) not in audiences:
            log.info("removing %s (campaign no longer in the seed)", stale)
            stale.unlink()
    log.info("wrote %d audience files to %s", len(written), folder)
    return written
