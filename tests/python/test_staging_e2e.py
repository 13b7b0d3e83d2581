"""End to end: dbt build of the staging layer on generated files with bad rows,
and on the reference dataset when it is present."""

from __future__ import annotations

import csv

import pytest
from conftest import build_into, query
from user_segmentation import synthetic

pytestmark = pytest.mark.e2e

# cautious: tests that also read later layers (e.g. marts) are not run in a staging-only build
STAGING_ONLY = ["--select", "+tag:staging", "--indirect-selection", "cautious"]

# (field index in the row, bad value, expected reason fragment)
BAD_ROWS = [
    (1, "17-23", "age: '17-23' is not one of the accepted values"),
    (2, "", "gender: missing"),
    (6, "many", "likes_and_reactions: 'many' is not a number"),
    (9, "-1.0", "weekday_hours_online: -1.0 is outside [0, 24]"),
    (10, "30", "weekend_hours_online: 30 is outside [0, 24]"),
    (11, "1.25", "click_through_rate: 1.25 is outside [0, 1]"),
    (12, "5 percent", "conversion_rate: '5 percent' is not a number"),
    (13, "12.5", "ad_interaction_seconds: 12.5 is not a whole number"),
    (15, "", "top_interests: missing"),
    (0, "abc", "user_id: 'abc' is not a number"),
    (0, "", "user_id: missing"),
    # numbers a double holds but a bigint does not: rejected, never a failed build
    (0, "nan", "user_id: 'nan' is not a finite number"),
    (0, "1e30", "user_id: 1e30 is too large for a whole number"),
    (7, "inf", "followed_accounts: 'inf' is not a finite number"),
    (6, "1e30", "likes_and_reactions: 1e30 is too large for a whole number"),
]


@pytest.fixture(scope="module")
def bad_file(tmp_path_factory):
    """200 generated users, then one bad row per BAD_ROWS case, a duplicate id and an extra field."""
    folder = tmp_path_factory.mktemp("bad")
    good = synthetic.write_users(folder / "good.csv", n_users=200, seed=11)
    with open(good, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    template = rows[1]
    expected = {}
    for i, (field, value, reason) in enumerate(BAD_ROWS):
        row = list(template)
        row[0] = str(1000 + i)
        row[field] = value
        rows.append(row)
        expected[len(rows) - 1] = reason
    duplicate = list(rows[5])  # same id as record 5
    rows.append(duplicate)
    expected[len(rows) - 1] = "user_id: duplicate of the record 5 with the same id"
    extra = list(template)
    extra[0] = "2000"
    rows.append([*extra, "surplus"])
    expected[len(rows) - 1] = "row: 17 fields, expected 16 (extra: 'surplus')"
    path = folder / "with_bad_rows.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path, expected


def test_bad_rows_are_rejected_with_their_reason(bad_file, tmp_path):
    path, expected = bad_file
    database = build_into(tmp_path, path, extra_args=STAGING_ONLY)
    rejected = dict(
        query(
            database,
            "select record_number, reject_reason_text from staging.stg_user_profiles__rejected",
        )
    )
    assert set(rejected) == set(expected)
    for record, reason in expected.items():
        assert reason in rejected[record], (record, rejected[record])
    staged = query(database, "select count(*) from staging.stg_user_profiles")[0][0]
    raw_rows = len(expected) + 200
    assert staged == 200
    assert staged + len(rejected) == raw_rows


RAW_COLUMNS = [
    "raw_user_id", "raw_age", "raw_gender", "raw_location", "raw_language", "raw_education_level",
    "raw_likes_and_reactions", "raw_followed_accounts", "raw_device_usage", "raw_weekday_hours_online",
    "raw_weekend_hours_online", "raw_click_through_rate", "raw_conversion_rate",
    "raw_ad_interaction_seconds", "raw_income_level", "raw_top_interests",
]  # fmt: skip


def test_rejected_rows_keep_every_raw_value_in_its_column(bad_file, tmp_path):
    # stg_user_profiles__fields stores a problem record's text as one list;
    # stg_user_profiles__parsed must hand each value back to its own column
    path, expected = bad_file
    database = build_into(tmp_path, path, extra_args=STAGING_ONLY)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    found = {
        row[0]: list(row[1:])
        for row in query(
            database,
            f"select record_number, {', '.join(RAW_COLUMNS)}, raw_extra_fields "
            "from staging.stg_user_profiles__rejected",
        )
    }
    # the records with a problem of their own (not the duplicate, whose raw text is its typed values)
    own_problems = [record for record, reason in expected.items() if "duplicate" not in reason]
    assert len(own_problems) == len(BAD_ROWS) + 1
    for record in own_problems:
        fields = rows[record]
        want = [value.strip() or None for value in fields[:16]] + [fields[16:]]
        # an empty interest list reads back as '' (the typed list, empty, as text)
        want[15] = want[15] or ""
        assert found[record] == want, record


def test_reference_file_stages_everything(reference_csv, tmp_path):
    database = build_into(tmp_path, reference_csv, extra_args=STAGING_ONLY)
    assert query(database, "select count(*) from staging.stg_user_profiles")[0][0] == 1000
    assert query(database, "select count(*) from staging.stg_user_profiles__rejected")[0][0] == 0
    ages = dict(query(database, "select age_band, count(*) from staging.stg_user_profiles group by 1"))
    assert ages == {"18-24": 166, "25-34": 255, "35-44": 192, "45-54": 188, "55-64": 153, "65+": 46}
    devices = dict(query(database, "select device_usage, count(*) from staging.stg_user_profiles group by 1"))
    assert devices == {
        "Desktop Only": 262,
        "Mobile Only": 253,
        "Mobile + Desktop": 250,
        "Tablet": 235,
    }
    incomes = dict(query(database, "select income_band, count(*) from staging.stg_user_profiles group by 1"))
    assert incomes["100k+"] == 176 and incomes["0-20k"] == 148
    interests = dict(
        query(database, "select interest_name, count(*) from staging.stg_user_interests group by 1")
    )
    assert len(interests) == 16
    assert interests["Digital Marketing"] == 182
    assert interests["Gardening"] == 140
    counts = dict(
        query(database, "select interest_count, count(*) from staging.stg_user_profiles group by 1")
    )
    assert counts == {1: 225, 2: 267, 3: 269, 4: 239}
    unknown = query(database, "select count(*) from staging.stg_user_interests where not is_known_interest")
    assert unknown[0][0] == 0


def test_unknown_interest_is_kept_and_flagged(tmp_path):
    path = tmp_path / "odd.csv"
    synthetic.write_users(path, n_users=20, seed=3)
    text = path.read_text(encoding="utf-8").splitlines()
    fields = next(csv.reader([text[1]]))
    fields[15] = "Gaming, Underwater Basket Weaving"
    text[1] = ",".join(f'"{f}"' if "," in f else f for f in fields)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    database = build_into(tmp_path, path, extra_args=STAGING_ONLY)
    rows = query(
        database,
        "select interest_name, interest_category from staging.stg_user_interests where not is_known_interest",
    )
    assert rows == [("Underwater Basket Weaving", "Unknown")]
    assert query(database, "select count(*) from staging.stg_user_profiles")[0][0] == 20


def test_wrong_header_refuses_the_build_and_keeps_published_db(tmp_path, small_csv):
    published = build_into(tmp_path, small_csv, extra_args=STAGING_ONLY)
    before = published.read_bytes()
    bad = tmp_path / "renamed header.csv"
    bad.write_text(small_csv.read_text().replace("User ID,", "Customer Number,", 1))
    from user_segmentation import runner

    with pytest.raises(runner.BuildError) as error:
        runner.build(bad, published, capture=True, extra_args=STAGING_ONLY)
    assert "the header has no column 'User ID'" in str(error.value)
    assert "header column 1 is 'Customer Number'" in str(error.value)
    assert published.read_bytes() == before


def test_parquet_input_stages_the_same_users_as_csv(tmp_path):
    """The same generated users as CSV and as Parquet (chosen by extension) stage identically."""
    csv_path = synthetic.write_users(tmp_path / "users.csv", n_users=2500, seed=21)
    parquet_path = synthetic.write_users(tmp_path / "users.parquet", n_users=2500, seed=21)
    staged = {}
    for name, path in (("csv", csv_path), ("parquet", parquet_path)):
        folder = tmp_path / name
        folder.mkdir()
        database = build_into(folder, path, extra_args=STAGING_ONLY)
        staged[name] = (
            query(database, "select * from staging.stg_user_profiles order by record_number"),
            query(database, "select * from staging.stg_user_interests order by user_interest_id"),
            query(database, "select count(*) from staging.stg_user_profiles__rejected"),
        )
    assert len(staged["csv"][0]) == 2500
    assert staged["csv"][2] == [(0,)]
    assert staged["csv"] == staged["parquet"]


def test_record_numbers_follow_the_file_order_across_row_groups(tmp_path):
    """Record numbers are positions in the file on an input of many row groups
    (Parquet too, whose header is synthesised), read by parallel threads.

    Record numbers come from the parsed table's row order, so any plan that
    loses DuckDB's insertion order (a join in the parse, for instance) would
    number the records wrongly; a file of a few hundred rows sits in one
    chunk and would not show it. The generator numbers users 1..n in file
    order, so every record number must equal its user id.
    """
    n_users = 400_000  # a little over three row groups of 122,880 rows
    for suffix in ("csv", "parquet"):
        path = synthetic.write_users(tmp_path / f"users.{suffix}", n_users=n_users, seed=5)
        folder = tmp_path / suffix
        folder.mkdir()
        database = build_into(folder, path, extra_args=STAGING_ONLY)
        counts = query(
            database,
            "select count(*), count(*) filter (where record_number <> user_id) "
            "from staging.stg_user_profiles__parsed",
        )
        assert counts == [(n_users, 0)], suffix


def _parquet_from_csv(csv_path, target, columns="*", where=""):
    """Write ``columns`` of the CSV file (read as text) to the Parquet file ``target``."""
    import duckdb

    rows = f"select {columns} from read_csv('{csv_path}', all_varchar = true) {where}"
    duckdb.sql(f"copy ({rows}) to '{target}' (format parquet)")
    return target


def test_parquet_without_rows_refuses_the_build_and_keeps_published_db(tmp_path, small_csv):
    """A Parquet file with the reference columns and no rows stops the build with a
    message naming the file (its header record is synthesised before the first
    row, so a file without rows has none)."""
    from user_segmentation import runner

    empty = _parquet_from_csv(small_csv, tmp_path / "no_users.parquet", where="limit 0")
    published = build_into(tmp_path, small_csv, extra_args=STAGING_ONLY)
    before = published.read_bytes()
    with pytest.raises(runner.BuildError) as error:
        runner.build(empty, published, capture=True, extra_args=STAGING_ONLY)
    assert f"input file {empty} has no rows: expected at least one user" in str(error.value)
    assert published.read_bytes() == before


def test_parquet_header_is_checked_and_mapped_like_a_csv_header(tmp_path, small_csv):
    """Parquet columns are taken by name like CSV header fields: in any order,
    spelled loosely, typed or text; a missing column stops the build with the
    same message as for a CSV file."""
    from user_segmentation import runner

    staged_sql = "select * exclude (record_number) from staging.stg_user_profiles order by user_id"
    expected = query(build_into(tmp_path, small_csv, extra_args=STAGING_ONLY), staged_sql)
    assert len(expected) == 300

    moved = ["Top Interests", "Income Level", "User ID", "Click-Through Rates (CTR)"]
    reordered = _parquet_from_csv(
        small_csv,
        tmp_path / "reordered.parquet",
        columns=(
            '"Top Interests", "Income Level" as income_level, "User ID"::bigint as user_id, '
            '"Click-Through Rates (CTR)"::double as "click-through rates (ctr)", '
            "* exclude (" + ", ".join(f'"{name}"' for name in moved) + ")"
        ),
    )
    folder = tmp_path / "reordered"
    folder.mkdir()
    assert query(build_into(folder, reordered, extra_args=STAGING_ONLY), staged_sql) == expected

    no_age = _parquet_from_csv(small_csv, tmp_path / "no_age.parquet", columns='* exclude ("Age")')
    with pytest.raises(runner.BuildError) as error:
        runner.build(no_age, tmp_path / "no_age.duckdb", capture=True, extra_args=STAGING_ONLY)
    assert f"input file {no_age}: the header has no column 'Age'" in str(error.value)
