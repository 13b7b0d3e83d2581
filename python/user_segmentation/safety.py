"""Small safety helpers shared by everything that writes files or builds SQL.

- :func:`escape_csv_formula`: text a spreadsheet would run as a formula
  (``=HYPERLINK(...)``, ``+1``, ``-1``, ``@SUM(...)``, a leading tab or carriage
  return) gets a leading ``'`` so it is shown, not executed.
- :func:`write_private` / :func:`private_umask`: files created readable and
  writable by the owner only (0600), whatever the process umask.
- :func:`validate_identifier`, :func:`quote_identifier`, :func:`quote_literal`,
  :func:`validate_number`: values that reach SQL are either checked against a
  strict pattern or quoted so they cannot end the quoted text.

Exports (e.g. the audience files) use these: every text cell goes through
:func:`escape_csv_formula`, every file through :func:`write_private`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PRIVATE_FILE_MODE = 0o600


def escape_csv_formula(value: Any) -> Any:
    """``value`` made safe for a CSV opened in a spreadsheet.

    Text starting with ``= + - @``, a tab or a carriage return is prefixed with
    ``'`` so spreadsheet programs show it as text instead of evaluating it.
    Anything that is not text (numbers, None) is returned unchanged, so a
    negative number stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_csv_formulas(values: list[Any]) -> list[Any]:
    """:func:`escape_csv_formula` applied to every value of a row."""
    return [escape_csv_formula(value) for value in values]


@contextmanager
def private_umask() -> Iterator[None]:
    """Within the block, new files and folders are created for the owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def write_private(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically as a file only its owner can read (0600).

    The bytes go to a temporary file in the same folder, created with mode 0600
    from the start (no moment in which others can read it), flushed to disk,
    then renamed over ``path``: a reader sees the old file or the whole new one.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode(encoding) if isinstance(data, str) else data
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, target)
    return target


def make_private(path: str | Path) -> Path:
    """Set an already written file (e.g. by DuckDB ``COPY``) to mode 0600."""
    target = Path(path)
    os.chmod(target, PRIVATE_FILE_MODE)
    return target


def validate_identifier(name: str, what: str = "name") -> str:
    """``name`` if it is a plain SQL identifier (letters, digits, ``_``), else ValueError."""
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise ValueError(
            f"{what} must be letters, digits and underscores, starting with a letter "
            f"(at most 63 characters); got {str(name)[:60]!r}"
        )
    return name


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (inner quotes doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a single-quoted SQL string literal (inner quotes doubled)."""
    if "\x00" in str(text):
        raise ValueError("text for SQL must not contain a NUL character")
    return "'" + str(text).replace("'", "''") + "'"


def validate_number(value: Any, what: str = "value", minimum: float | None = None) -> float:
    """``value`` if it is a finite real number (not a bool, not text), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a number, got {str(value)[:60]!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value}")
    return value
