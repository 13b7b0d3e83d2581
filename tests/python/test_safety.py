"""Safety helpers: formula escaping, private files, SQL quoting and validation."""

from __future__ import annotations

import csv
import io
import stat

import duckdb
import pytest
from user_segmentation import safety


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x.example","click")', '\'=HYPERLINK("http://x.example","click")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Gaming", "Gaming"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (0.5, 0.5),
        (None, None),
    ],
)
def test_escape_csv_formula(value, expected):
    assert safety.escape_csv_formula(value) == expected


def test_escaped_row_survives_a_csv_round_trip():
    row = safety.escape_csv_formulas(["=1+1", "'; drop table users; --", 7])
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    back = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert back == ["'=1+1", "'; drop table users; --", "7"]
    assert not any(cell.startswith(safety.FORMULA_PREFIXES) for cell in back)


def test_write_private_creates_owner_only_file(tmp_path):
    path = safety.write_private(tmp_path / "sub" / "audience.csv", "user_hash\nabc\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "user_hash\nabc\n"


def test_write_private_tightens_an_existing_file(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text("old")
    path.chmod(0o644)
    safety.write_private(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["open.csv"]  # no temporary file left


def test_private_umask_covers_files_written_by_duckdb(tmp_path):
    target = tmp_path / "out.parquet"
    with safety.private_umask():
        duckdb.sql(f"copy (select 1 as x) to {safety.quote_literal(str(target))} (format parquet)")
    assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0
    safety.make_private(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("name", ["marts", "fct_user_segments", "_x1"])
def test_validate_identifier_accepts_plain_names(name):
    assert safety.validate_identifier(name) == name


@pytest.mark.parametrize(
    "name", ["", "1abc", "a b", "x; drop table t", 'a"b', "a.b", "x" * 64, None, "naïve"]
)
def test_validate_identifier_refuses_anything_else(name):
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        safety.validate_identifier(name, "schema")


def test_quoted_literal_cannot_run_sql():
    con = duckdb.connect()
    con.execute("create table users as select 1 as user_id")
    evil = "x'); drop table users; select ('"
    assert con.execute(f"select {safety.quote_literal(evil)}").fetchall() == [(evil,)]
    assert con.execute("select count(*) from users").fetchall() == [(1,)]
    evil_name = 'a"; drop table users; --'
    con.execute(f"create table {safety.quote_identifier(evil_name)} as select 2 as x")
    assert con.execute("select count(*) from users").fetchall() == [(1,)]
    with pytest.raises(ValueError):
        safety.quote_literal("a\x00b")


@pytest.mark.parametrize("value", [24, 0.5, 86400])
def test_validate_number_accepts_numbers(value):
    assert safety.validate_number(value) == value


@pytest.mark.parametrize("value", ["24", "24 or 1=1", True, float("nan"), float("inf"), None])
def test_validate_number_refuses_non_numbers(value):
    with pytest.raises(ValueError, match="must be a number"):
        safety.validate_number(value, "max_hours_per_day")


def test_validate_number_minimum():
    with pytest.raises(ValueError, match="at least 0"):
        safety.validate_number(-1, "k", minimum=0)
