"""A small read-only SQL prompt on a built database (``make sql``).

Why not the DuckDB command line client: the ``duckdb-cli`` package on PyPI
stops at 1.5.6, which cannot open a file written by the pinned duckdb 2.0.1
("database file with version number 69 ... can only read versions between 64
and 68"). This prompt uses the pinned ``duckdb`` Python package, so it always
reads what the build wrote. It opens the database read-only: a build can
publish a new file while it is open, and nothing typed here can change data.

Statements end with ``;`` and may span lines. Dot commands (``.help``,
``.tables``, ``.schema``, ``.read``, ``.maxrows``, ``.quit``) are one line.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

import duckdb

from user_segmentation import runner

log = logging.getLogger(__name__)

DEFAULT_MAX_ROWS = 40
HISTORY_FILE = Path.home() / ".user_segmentation_sql_history"

HELP = """\
Type SQL ending with ';' (it may span lines), or a dot command:
  .tables              the schemas and tables (marts first)
  .schema TABLE        the columns of a table, e.g. .schema marts.dim_interests
  .read FILE           run the SQL statements in FILE (e.g. a compiled analysis)
  .maxrows N           show at most N rows of a result (now {max_rows})
  .help                this text
  .quit                leave (or Ctrl-D)
Start with:  select * from marts.fct_attribute_distributions;
"""

TABLES_SQL = """
select
    schema_name || '.' || table_name as table_name,
    'table' as kind,
    estimated_size as approx_rows,
from duckdb_tables()
where database_name = current_database()
union all
select
    schema_name || '.' || view_name as table_name,
    'view' as kind,
    null as approx_rows,
from duckdb_views()
where database_name = current_database() and not internal
order by
    case split_part(table_name, '.', 1)
        when 'marts' then 1 when 'intermediate' then 2 when 'staging' then 3 else 4
    end,
    table_name
"""


class PromptError(RuntimeError):
    """The prompt cannot start (no database, or an analysis does not compile)."""


def connect(database: str | Path) -> duckdb.DuckDBPyConnection:
    """Open ``database`` read-only; fail clearly when it does not exist."""
    path = Path(database).expanduser()
    if not path.is_file():
        raise PromptError(f"database {path} does not exist: build it first with `make build`")
    return duckdb.connect(str(path), read_only=True)


def format_value(value: object) -> str:
    """One cell as text: NULL, floats with 6 significant digits, lists as [a, b]."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".6g")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return str(value)


def is_numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def format_table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], total_rows: int | None = None
) -> str:
    """A plain-text table: header, rule, rows (numbers right-aligned), and a row count."""
    cells = [[format_value(value) for value in row] for row in rows]
    widths = [len(name) for name in columns]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))
    numeric = [
        bool(rows) and all(is_numeric(row[i]) or row[i] is None for row in rows) for i in range(len(columns))
    ]

    def line(texts: Iterable[str]) -> str:
        parts = [
            text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i]) for i, text in enumerate(texts)
        ]
        return " | ".join(parts).rstrip()

    out = [line(columns), "-+-".join("-" * width for width in widths)]
    out += [line(row) for row in cells]
    shown = len(rows)
    total = shown if total_rows is None else total_rows
    if total > shown:
        out.append(f"({total:,} rows, first {shown:,} shown; .maxrows N to see more)")
    else:
        out.append(f"({total:,} row{'' if total == 1 else 's'})")
    return "\n".join(out)


def run_sql(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int = DEFAULT_MAX_ROWS) -> str:
    """Run every statement in ``sql``; return the printed results."""
    outputs = []
    for statement in con.extract_statements(sql):
        con.execute(statement)
        if con.description is None:
            outputs.append("ok")
            continue
        columns = [item[0] for item in con.description]
        rows = con.fetchmany(max_rows)
        total = len(rows)
        if total == max_rows:
            total += len(con.fetchall())
        outputs.append(format_table(columns, rows, total))
    return "\n\n".join(outputs)


def compile_analysis(name: str, database: str | Path) -> str:
    """Compile ``analyses/<name>.sql`` with dbt for ``database``; return the SQL.

    dbt names tables ``"<file stem>"."<schema>"."<table>"``, so the analysis is
    compiled against a throwaway database with the same file name as
    ``database`` (the published file is not opened for writing).
    """
    source = runner.PROJECT_DIR / "analyses" / f"{name}.sql"
    if not source.is_file():
        available = sorted(p.stem for p in (runner.PROJECT_DIR / "analyses").glob("*.sql"))
        raise PromptError(f"no analysis {name!r}; available: {', '.join(available)}")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "target"
        result = runner.run_dbt(
            ["compile", "--quiet", "--select", f"analyses/{name}.sql", "--target-path", str(target)],
            database=Path(folder) / Path(database).name,
            capture=True,
        )
        compiled = target / "compiled" / "user_segmentation" / "analyses" / f"{name}.sql"
        if result.returncode != 0 or not compiled.is_file():
            raise PromptError(f"dbt compile of analyses/{name}.sql failed:\n{result.stdout[-2000:]}")
        return compiled.read_text(encoding="utf-8")


class Prompt:
    """The interactive loop; ``handle`` processes one complete input."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: TextIO, max_rows: int = DEFAULT_MAX_ROWS):
        self.con = con
        self.out = out
        self.max_rows = max_rows

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def handle(self, text: str) -> bool:
        """Run one statement or dot command; return False to stop."""
        text = text.strip()
        if not text:
            return True
        if text.startswith("."):
            return self.dot_command(text)
        try:
            self.write(run_sql(self.con, text, self.max_rows))
        except duckdb.Error as error:
            self.write(f"Error: {error}")
        return True

    def dot_command(self, text: str) -> bool:
        command, _, argument = text.partition(" ")
        argument = argument.strip().rstrip(";")
        if command in (".quit", ".exit", ".q"):
            return False
        if command == ".help":
            self.write(HELP.format(max_rows=self.max_rows))
        elif command == ".tables":
            self.write(run_sql(self.con, TABLES_SQL, max_rows=10_000))
        elif command == ".schema" and argument:
            name = argument.replace("'", "''")
            self.handle(
                "select table_schema, table_name, column_name, data_type "
                "from information_schema.columns "
                f"where table_schema || '.' || table_name = '{name}' or table_name = '{name}' "
                "order by table_schema, ordinal_position;"
            )
        elif command == ".read" and argument:
            try:
                sql = Path(argument).expanduser().read_text(encoding="utf-8")
            except OSError as error:
                self.write(f"Error: {error}")
            else:
                self.handle(sql)
        elif command == ".maxrows" and argument.isdigit() and int(argument) > 0:
            self.max_rows = int(argument)
        else:
            self.write(f"Unknown or incomplete command {text!r}; .help lists the commands")
        return True

    def loop(self, read_line) -> None:
        """Read lines with ``read_line(prompt)`` until EOF or .quit."""
        buffer: list[str] = []
        while True:
            try:
                line = read_line("sql> " if not buffer else "...> ")
            except EOFError:
                if buffer:
                    self.handle("\n".join(buffer))
                self.write("")
                return
            except KeyboardInterrupt:
                buffer = []
                self.write("^C")
                continue
            if not buffer and line.strip().startswith("."):
                if not self.handle(line):
                    return
                continue
            buffer.append(line)
            if line.rstrip().endswith(";"):
                keep_going = self.handle("\n".join(buffer))
                buffer = []
                if not keep_going:
                    return


def interactive(con: duckdb.DuckDBPyConnection, database: Path, max_rows: int) -> None:
    """Run the prompt on the terminal, with line editing and history when readline is available."""
    try:
        import readline
    except ImportError:  # pragma: no cover - readline exists on Linux and macOS
        readline = None
    if readline is not None and HISTORY_FILE.is_file():
        try:
            readline.read_history_file(HISTORY_FILE)
        except OSError:
            log.debug("could not read %s", HISTORY_FILE)
    prompt = Prompt(con, sys.stdout, max_rows)
    prompt.write(f"Connected read-only to {database}. Type .help for help, .quit to leave.")
    try:
        prompt.loop(input)
    finally:
        if readline is not None:
            try:
                readline.set_history_length(1000)
                readline.write_history_file(HISTORY_FILE)
            except OSError:
                log.debug("could not write %s", HISTORY_FILE)


def main(
    database: str | Path,
    command: str | None = None,
    file: str | None = None,
    analysis: str | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    """Entry point of ``python -m user_segmentation sql``; returns the exit code.

    With ``command``, ``file`` or ``analysis`` it runs that SQL and exits (1 on
    an error); with input piped on stdin it runs that; otherwise it is
    interactive.
    """
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    database = Path(database).expanduser()
    try:
        con = connect(database)
        sql = command
        if file is not None:
            sql = Path(file).read_text(encoding="utf-8")
        if analysis is not None:
            sql = compile_analysis(analysis, database)
    except (PromptError, OSError) as error:
        sys.stderr.write(f"{error}\n")
        return 1
    try:
        if sql is None and not stdin.isatty():
            sql = stdin.read()
        if sql is not None:
            try:
                out.write(run_sql(con, sql, max_rows) + "\n")
            except duckdb.Error as error:
                sys.stderr.write(f"Error: {error}\n")
                return 1
            return 0
        interactive(con, database, max_rows)
        return 0
    finally:
        con.close()
