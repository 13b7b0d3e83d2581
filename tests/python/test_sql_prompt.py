"""The read-only SQL prompt behind ``make sql`` and ``make analysis``."""

from __future__ import annotations

import io

import duckdb
import pytest
from conftest import build_into
from user_segmentation import sql_prompt


@pytest.fixture()
def tiny_db(tmp_path):
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.bands as select * from (values "
        "('18-24', 166, 0.166), ('65+', 46, 0.046), ('x', null, null)) as t(band, users, share)"
    )
    con.close()
    return path


def test_format_table_aligns_numbers_and_counts_rows():
    text = sql_prompt.format_table(["band", "users"], [("18-24", 166), ("65+", 46)])
    lines = text.splitlines()
    assert lines[0] == "band  | users"
    assert lines[2] == "18-24 |   166"
    assert lines[3] == "65+   |    46"
    assert lines[-1] == "(2 rows)"


def test_format_table_says_when_rows_are_cut():
    text = sql_prompt.format_table(["n"], [(1,), (2,)], total_rows=10)
    assert text.splitlines()[-1].startswith("(10 rows, first 2 shown")


def test_format_value():
    assert sql_prompt.format_value(None) == "NULL"
    assert sql_prompt.format_value(True) == "true"
    assert sql_prompt.format_value(0.1234567891) == "0.123457"
    assert sql_prompt.format_value([1.0, -0.5]) == "[1, -0.5]"


def test_run_sql_runs_every_statement_and_limits_rows(tiny_db):
    con = sql_prompt.connect(tiny_db)
    try:
        text = sql_prompt.run_sql(
            con, "select count(*) as n from marts.bands; select * from marts.bands", max_rows=2
        )
    finally:
        con.close()
    first, second = text.split("\n\n")
    assert first.splitlines()[-1] == "(1 row)"
    assert "(3 rows, first 2 shown" in second
    assert "NULL" not in second  # the third row was not shown


def test_prompt_is_read_only_and_survives_errors(tiny_db):
    con = sql_prompt.connect(tiny_db)
    out = io.StringIO()
    lines = iter(
        [
            ".tables",
            "drop table marts.bands;",
            "select band,",
            "  users from marts.bands where users > 100;",
            ".schema marts.bands",
            ".quit",
            "select 'never reached';",
        ]
    )

    def read_line(_prompt):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    try:
        sql_prompt.Prompt(con, out).loop(read_line)
    finally:
        con.close()
    text = out.getvalue()
    assert "marts.bands" in text
    assert "Error:" in text and "read-only" in text
    assert "18-24 |   166" in text
    assert "never reached" not in text
    assert duckdb.connect(str(tiny_db), read_only=True).execute(
        "select count(*) from marts.bands"
    ).fetchall() == [(3,)]


def test_main_runs_a_command_and_reports_errors(tiny_db, capsys):
    assert sql_prompt.main(tiny_db, command="select max(users) as m from marts.bands") == 0
    assert "166" in capsys.readouterr().out
    assert sql_prompt.main(tiny_db, command="select nope") == 1
    assert "Error" in capsys.readouterr().err
    assert sql_prompt.main(tiny_db.with_name("missing.duckdb"), command="select 1") == 1
    assert "make build" in capsys.readouterr().err


def test_main_reads_piped_sql(tiny_db):
    out = io.StringIO()
    stdin = io.StringIO("select band from marts.bands where users = 46;")
    assert sql_prompt.main(tiny_db, stdin=stdin, out=out) == 0
    assert "65+" in out.getvalue()


@pytest.mark.e2e
def test_every_analysis_compiles_and_runs(small_csv, tmp_path_factory, capsys):
    database = build_into(tmp_path_factory.mktemp("analyses"), small_csv)
    names = sorted(p.stem for p in (sql_prompt.runner.PROJECT_DIR / "analyses").glob("*.sql"))
    assert len(names) >= 5
    for name in names:
        assert sql_prompt.main(database, analysis=name) == 0, name
        output = capsys.readouterr().out
        assert "row" in output.splitlines()[-1], name
    with pytest.raises(sql_prompt.PromptError, match="available"):
        sql_prompt.compile_analysis("no_such_analysis", database)
