"""The bad-input corpus: odd and broken variants of a generated user file.

Every case starts from the same small generated file (the project's seeded
generator, ``BASE_USERS`` users) and applies one mutation.  Each case states
its documented outcome:

- ``loaded``: the build publishes; the good rows are staged, each bad row is in
  ``stg_user_profiles__rejected`` with its reasons, raw = staged + rejected;
- ``refused``: the build stops before anything is published, with a one
  paragraph message naming the file, the column or line, and the problem.

``tests/python/test_bad_input_corpus.py`` builds every case end to end.

Write the corpus to a folder (to look at the files)::

    python tests/corpus/make_corpus.py /tmp/corpus

Print the README table::

    python tests/corpus/make_corpus.py --table
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from user_segmentation import synthetic

BASE_USERS = 30
BASE_SEED = 8

# field positions in a row (0-based)
USER_ID, AGE, GENDER, LOCATION, LANGUAGE, EDUCATION = 0, 1, 2, 3, 4, 5
LIKES, FOLLOWED, DEVICE, WEEKDAY, WEEKEND, CTR, CONVERSION, AD_SECONDS, INCOME, INTERESTS = range(6, 16)


@dataclass
class Case:
    """One corpus file and what the build must do with it."""

    name: str
    what: str
    outcome: str  # "loaded" or "refused"
    make: Callable[[list[list[str]]], bytes]
    file_name: str = "users.csv"
    records: int | None = BASE_USERS  # data records the reader sees (None: depends on the reader)
    rejected: dict[int, str] = field(default_factory=dict)  # record_number -> reason fragment
    message: tuple[str, ...] = ()  # fragments of the refusal message
    staged_check: tuple[str, object] | None = None  # (sql on the built db, expected first value)
    note: str = ""  # the documented decision, for the README table


def base_rows() -> list[list[str]]:
    """The generated base file as rows of fields (header first)."""
    with tempfile.TemporaryDirectory() as folder:
        path = synthetic.write_users(Path(folder) / "base.csv", n_users=BASE_USERS, seed=BASE_SEED)
        text = Path(path).read_text(encoding="utf-8")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def to_csv(rows: list[list[str]], newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def utf8(rows: list[list[str]], newline: str = "\n") -> bytes:
    return to_csv(rows, newline).encode("utf-8")


def edit(rows: list[list[str]], changes: dict[tuple[int, int], str]) -> list[list[str]]:
    """A copy of ``rows`` with ``{(record, field): value}`` replaced (record 0 = header)."""
    copy = [list(row) for row in rows]
    for (record, position), value in changes.items():
        copy[record][position] = value
    return copy


def line(row: list[str]) -> str:
    return to_csv([row]).rstrip("\n")


# ---------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------


def windows_line_endings(rows):
    return utf8(rows, "\r\n")


def byte_order_mark(rows):
    return b"\xef\xbb\xbf" + utf8(rows)


def whole_numbers_for_decimals(rows):
    changed = [list(row) for row in rows]
    for row in changed[1:]:
        for position in (WEEKDAY, WEEKEND):
            if row[position].endswith(".0"):
                row[position] = row[position][:-2]
    changed[1][WEEKDAY] = "2"
    changed[1][WEEKEND] = "3"
    return utf8(changed)


def interest_quoting(rows):
    text = to_csv(edit(rows, {(1, INTERESTS): "Gaming", (2, INTERESTS): "Gaming, DIY Crafts, pet care"}))
    lines = text.split("\n")
    first = lines[1].rsplit(",", 1)
    lines[1] = first[0] + ',"Gaming"'  # one interest, quoted
    lines[2] = lines[2].replace('"Gaming, DIY Crafts, pet care"', "Gaming, DIY Crafts, pet care")  # unquoted
    return "\n".join(lines).encode("utf-8")


def trailing_empty_lines(rows):
    return utf8(rows) + b"\n\n\r\n\n"


def last_line_cut_in_quotes(rows):
    changed = edit(rows, {(len(rows) - 1, INTERESTS): "Gaming, DIY Crafts"})
    text = to_csv(changed)
    return text[: text.rindex("Crafts") + 2].encode("utf-8")  # ... ,"Gaming, DIY Cr


def last_line_cut_mid_row(rows):
    text = to_csv(rows)
    last = text.rstrip("\n").split("\n")[-1]
    cut = len(text.rstrip("\n")) - len(last) + len(",".join(last.split(",")[:9]))
    return text[:cut].encode("utf-8")


def row_extra_field(rows):
    changed = [list(row) for row in rows]
    changed[4] = [*changed[4], "surplus"]
    return utf8(changed)


def row_many_extra_fields(rows):
    changed = [list(row) for row in rows]
    changed[4] = [*changed[4], *[f"x{i}" for i in range(8)]]
    return utf8(changed)


def row_missing_field(rows):
    changed = [list(row) for row in rows]
    del changed[4][GENDER]
    return utf8(changed)


def extra_column(rows):
    return utf8([[*row, "Score" if i == 0 else str(i)] for i, row in enumerate(rows)])


def missing_column(rows):
    return utf8([[value for position, value in enumerate(row) if position != GENDER] for row in rows])


def header_renamed(rows):
    return utf8(edit(rows, {(0, USER_ID): "User_ID", (0, CTR): "click-through rates (ctr)"}))


def header_unknown_name(rows):
    return utf8(edit(rows, {(0, USER_ID): "Customer Number"}))


def header_reordered(rows):
    order = [INTERESTS, GENDER, AGE, USER_ID, *range(3, 15)]
    return utf8([[row[position] for position in order] for row in rows])


def header_repeated_column(rows):
    return utf8(edit(rows, {(0, LOCATION): "Age"}))


def empty_file(rows):
    return b""


def blank_lines_only(rows):
    return b"\n\n\r\n"


def header_only(rows):
    return utf8(rows[:1])


def text_in_numeric_column(rows):
    return utf8(edit(rows, {(3, LIKES): "many", (4, FOLLOWED): "1,200", (5, AD_SECONDS): "12.5"}))


def rates_as_percent(rows):
    return utf8(edit(rows, {(3, CTR): "12.5%", (3, CONVERSION): "4 %", (4, CTR): "150%"}))


def rates_above_one(rows):
    return utf8(edit(rows, {(3, CTR): "12.5", (4, CONVERSION): "1.5", (5, CTR): "-0.1"}))


def impossible_hours(rows):
    return utf8(
        edit(rows, {(3, WEEKDAY): "-1", (4, WEEKEND): "25", (5, WEEKDAY): "nan", (6, WEEKEND): "inf"})
    )


def unknown_category_values(rows):
    return utf8(
        edit(rows, {(3, AGE): "17-23", (4, GENDER): "Other", (5, DEVICE): "Smartwatch", (6, INCOME): "1M+"})
    )


def duplicate_user_ids(rows):
    return utf8(edit(rows, {(7, USER_ID): rows[2][USER_ID]}))


def empty_cells(rows):
    return utf8(edit(rows, {(3, GENDER): "", (4, CTR): "  ", (5, INTERESTS): "", (6, USER_ID): ""}))


def very_long_strings(rows):
    return utf8(edit(rows, {(3, LOCATION): "Urban" * 20_000, (4, INTERESTS): "Gaming, " + "x" * 5_000}))


def line_too_long(rows):
    return utf8(edit(rows, {(3, INTERESTS): "Gaming " * 400_000}))


def non_ascii_text(rows):
    return utf8(
        edit(
            rows,
            {
                (3, LOCATION): "Zürich",
                (4, LANGUAGE): "普通话",
                (5, INTERESTS): "Gaming, Música, Café culture 🎧",
            },
        )
    )


def not_utf8(rows):
    return to_csv(edit(rows, {(3, LOCATION): "Zürich"})).encode("latin-1")


FORMULA = '=HYPERLINK("http://evil.example/?q=1")'  # no comma: interests are split on commas
DROP_TABLE = "'; drop table staging.stg_user_profiles; --"


def sql_and_formula_text(rows):
    return utf8(
        edit(
            rows,
            {
                (3, INTERESTS): f"Gaming, {FORMULA}",
                (4, LOCATION): DROP_TABLE,
                (5, USER_ID): "1); drop table reference.category_values; --",
                (6, GENDER): "@SUM(1+1)",
            },
        )
    )


def unclosed_quote_mid_file(rows):
    text = to_csv(edit(rows, {(5, INTERESTS): "Gaming"}))
    lines = text.split("\n")
    head, _, _ = lines[5].rpartition(",")
    lines[5] = head + ',"Gaming'  # the quote is never closed: the next lines are swallowed
    return "\n".join(lines).encode("utf-8")


def plain(rows):
    return utf8(rows)


CASES: list[Case] = [
    Case("windows_line_endings", "every line ends in CR LF", "loaded", windows_line_endings),
    Case("byte_order_mark", "UTF-8 byte-order mark before the header", "loaded", byte_order_mark),
    Case(
        "whole_numbers_for_decimals",
        "`2.0` written as `2` in the hours columns",
        "loaded",
        whole_numbers_for_decimals,
        staged_check=(
            "select weekday_hours_online from staging.stg_user_profiles order by record_number",
            2.0,
        ),
    ),
    Case(
        "interest_quoting",
        'a single interest in quotes (`"Gaming"`), several without quotes',
        "loaded",
        interest_quoting,
        staged_check=(
            "select top_interests from staging.stg_user_profiles where record_number = 2",
            ["Gaming", "DIY Crafts", "Pet Care"],
        ),
        note="unquoted interests spill into extra fields; read back when Top Interests is the last "
        "column and every spilled field is a known interest",
    ),
    Case(
        "trailing_empty_lines",
        "blank lines (LF and CR LF) after the last row",
        "loaded",
        trailing_empty_lines,
    ),
    Case(
        "last_line_cut_in_quotes",
        'file cut off inside the quoted interests of the last row (`"Gaming, DIY Cr`)',
        "loaded",
        last_line_cut_in_quotes,
        rejected={BASE_USERS: "the file ends inside a quoted value on this row (the last line is cut off)"},
        note="DuckDB would silently close the quote; a line read of the file spots the odd quote count",
    ),
    Case(
        "last_line_cut_mid_row",
        "file cut off after the 9th field of the last row",
        "loaded",
        last_line_cut_mid_row,
        rejected={BASE_USERS: "weekday_hours_online: missing"},
    ),
    Case(
        "row_extra_field",
        "one row has a 17th field",
        "loaded",
        row_extra_field,
        rejected={4: "row: 17 fields, expected 16 (extra: 'surplus')"},
    ),
    Case(
        "row_many_extra_fields",
        "one row has 24 fields (more than the reader keeps)",
        "loaded",
        row_many_extra_fields,
        rejected={4: "row: 20 or more fields, expected 16"},
    ),
    Case(
        "row_missing_field",
        "one row lacks its Gender field (15 fields)",
        "loaded",
        row_missing_field,
        rejected={4: "is not one of the accepted values"},
    ),
    Case(
        "extra_column",
        "a 17th column `Score` in the header and every row",
        "refused",
        extra_column,
        message=("header column 17 is 'Score', which is not one of the 16 expected columns",),
    ),
    Case(
        "missing_column",
        "the Gender column is absent (header and rows)",
        "refused",
        missing_column,
        message=("the header has no column 'Gender'",),
    ),
    Case(
        "header_renamed",
        "header `User_ID`, `click-through rates (ctr)`",
        "loaded",
        header_renamed,
        note="names match ignoring case, blanks and punctuation",
    ),
    Case(
        "header_unknown_name",
        "header `Customer Number` instead of `User ID`",
        "refused",
        header_unknown_name,
        message=("the header has no column 'User ID'", "header column 1 is 'Customer Number'"),
    ),
    Case(
        "header_reordered",
        "columns in another order (Top Interests first)",
        "loaded",
        header_reordered,
        staged_check=(
            "select count(*) from staging.stg_user_profiles where interest_count between 1 and 4",
            BASE_USERS,
        ),
        note="columns are taken by header name",
    ),
    Case(
        "header_repeated_column",
        "`Age` twice in the header (no Location)",
        "refused",
        header_repeated_column,
        message=("the header has no column 'Location'", "'Age' appears more than once: columns 2 and 4"),
    ),
    Case("empty_file", "zero bytes", "refused", empty_file, message=("is empty",)),
    Case("blank_lines_only", "only blank lines", "refused", blank_lines_only, message=("is empty",)),
    Case(
        "header_only",
        "the header and no rows",
        "refused",
        header_only,
        message=("has a header but no data rows",),
    ),
    Case(
        "text_in_numeric_column",
        "`many`, `1,200`, `12.5` in whole-number columns",
        "loaded",
        text_in_numeric_column,
        rejected={
            3: "likes_and_reactions: 'many' is not a number",
            4: "followed_accounts: '1,200' is not a number",
            5: "ad_interaction_seconds: 12.5 is not a whole number",
        },
    ),
    Case(
        "rates_as_percent",
        "`12.5%`, `4 %` and `150%` in the rate columns",
        "loaded",
        rates_as_percent,
        rejected={4: "click_through_rate: 150% is outside [0, 1]"},
        staged_check=(
            "select click_through_rate from staging.stg_user_profiles where record_number = 3",
            0.125,
        ),
        note="a value with a % sign is a percent: 12.5% = 0.125, then range-checked",
    ),
    Case(
        "rates_above_one",
        "CTR `12.5`, conversion `1.5`, CTR `-0.1`",
        "loaded",
        rates_above_one,
        rejected={
            3: "click_through_rate: 12.5 is outside [0, 1]",
            4: "conversion_rate: 1.5 is outside [0, 1]",
            5: "click_through_rate: -0.1 is outside [0, 1]",
        },
        note="a rate above 1 without % is ambiguous (percent or error): rejected",
    ),
    Case(
        "impossible_hours",
        "hours `-1`, `25`, `nan`, `inf`",
        "loaded",
        impossible_hours,
        rejected={
            3: "weekday_hours_online: -1 is outside [0, 24]",
            4: "weekend_hours_online: 25 is outside [0, 24]",
            5: "weekday_hours_online: 'nan' is not a finite number",
            6: "weekend_hours_online: 'inf' is not a finite number",
        },
    ),
    Case(
        "unknown_category_values",
        "Age `17-23`, Gender `Other`, Device `Smartwatch`, Income `1M+`",
        "loaded",
        unknown_category_values,
        rejected={
            3: "age: '17-23' is not one of the accepted values",
            4: "gender: 'Other' is not one of the accepted values",
            5: "device_usage: 'Smartwatch' is not one of the accepted values",
            6: "income_level: '1M+' is not one of the accepted values",
        },
    ),
    Case(
        "duplicate_user_ids",
        "record 7 repeats the id of record 2",
        "loaded",
        duplicate_user_ids,
        rejected={7: "user_id: duplicate of the record 2 with the same id"},
        note="first clean record of an id is kept",
    ),
    Case(
        "empty_cells",
        "empty Gender, blank CTR, empty interests, empty id",
        "loaded",
        empty_cells,
        rejected={
            3: "gender: missing",
            4: "click_through_rate: missing",
            5: "top_interests: missing",
            6: "user_id: missing",
        },
    ),
    Case(
        "very_long_strings",
        "a 100,000-character Location, a 5,000-character interest",
        "loaded",
        very_long_strings,
        rejected={
            3: "location: 'UrbanUrban",
            4: "top_interests: an interest name is longer than 100 characters",
        },
        note="values are quoted in reasons cut to 60 characters",
    ),
    Case(
        "line_too_long",
        "a 2.8 MB line (beyond the CSV reader's 2 MB line limit)",
        "refused",
        line_too_long,
        message=("line 4", "longer than the CSV reader's limit"),
    ),
    Case(
        "non_ascii_text",
        "`Zürich`, `普通话`, interests `Música`, `Café culture 🎧`",
        "loaded",
        non_ascii_text,
        rejected={
            3: "location: 'Zürich' is not one of the accepted values",
            4: "language: '普通话' is not one of the accepted values",
        },
        staged_check=(
            "select count(*) from staging.stg_user_interests where interest_name = 'Café culture 🎧'",
            1,
        ),
        note="unknown interests are kept (category Unknown) and reported",
    ),
    Case(
        "not_utf8",
        "Latin-1 encoded file (`Zürich` as byte 0xFC)",
        "refused",
        not_utf8,
        message=("line 4", "not UTF-8 encoded"),
    ),
    Case(
        "sql_and_formula_text",
        "`=HYPERLINK(...)` interest, `'; drop table ...` location, SQL in the id, `@SUM(1+1)` gender",
        "loaded",
        sql_and_formula_text,
        rejected={
            4: "location: ''; drop table staging.stg_user_profiles; --' is not one of the accepted values",
            5: "user_id: '1); drop table reference.category_values; --' is not a number",
            6: "gender: '@SUM(1+1)' is not one of the accepted values",
        },
        staged_check=(
            "select count(*) from staging.stg_user_interests where interest_name = '"
            + FORMULA.replace("'", "''")
            + "'",
            1,
        ),
        note="stored verbatim as data, never run; exports escape formula text",
    ),
    Case(
        "unclosed_quote_mid_file",
        'an opening quote never closed on row 5 (`,"Gaming` then a line break)',
        "refused",
        unclosed_quote_mid_file,
        message=("line 6", "a quoted value runs over a line break"),
        note="DuckDB's parallel reader cannot resync after an open quote; values never hold line breaks",
    ),
    Case(
        "path_with_spaces_and_quotes",
        'an ordinary file at `it\'s a "dir"/my users; drop.csv`',
        "loaded",
        plain,
        file_name='it\'s a "dir"/my users; drop.csv',
    ),
]


def write_case(case: Case, folder: Path, rows: list[list[str]] | None = None) -> Path:
    """Write ``case``'s file under ``folder``; return its path."""
    path = folder / case.name / case.file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.make(rows if rows is not None else base_rows()))
    return path


def result_text(case: Case) -> str:
    """What the build does with ``case``, in words, for the README table."""
    if case.outcome == "refused":
        return "message: " + " … ".join(f"`{fragment}`" for fragment in case.message)
    if not case.rejected:
        return "every row staged"
    return "; ".join(f"record {record} rejected: `{reason}`" for record, reason in case.rejected.items())


def markdown_table() -> str:
    lines = ["| case | input | outcome | result | decision |", "| --- | --- | --- | --- | --- |"]
    for case in CASES:
        cells = [f"`{case.name}`", case.what, f"**{case.outcome}**", result_text(case), case.note]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", help="write every case under this folder")
    parser.add_argument("--table", action="store_true", help="print the README table of cases")
    args = parser.parse_args(argv)
    if args.table:
        sys.stdout.write(markdown_table() + "\n")
    if args.folder:
        rows = base_rows()
        for case in CASES:
            sys.stdout.write(f"{write_case(case, Path(args.folder), rows)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
