"""Campaign audiences end to end: the build exports one CSV and one Parquet file
per campaign with only salted SHA-256 ids, private files, and the salt nowhere."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import stat
import uuid
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import REPO, query, render_singular
from user_segmentation import duckdb_plugin, export, runner

SALT = "test-salt-" + hashlib.sha256(b"issue-5 audience test").hexdigest()[:16]
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture(scope="module")
def built(tmp_path_factory, small_csv):
    """Build the 300-user file with a salt; return (database, export folder, raw user ids)."""
    folder = tmp_path_factory.mktemp("audiences_e2e")
    exports = folder / "exports"
    previous = os.environ.get("AUDIENCE_HASH_SALT")
    os.environ["AUDIENCE_HASH_SALT"] = SALT
    try:
        result = runner.build(small_csv, folder / "out.duckdb", capture=True, export_dir=exports)
    finally:
        if previous is None:
            os.environ.pop("AUDIENCE_HASH_SALT", None)
        else:
            os.environ["AUDIENCE_HASH_SALT"] = previous
    with open(small_csv, newline="", encoding="utf-8") as handle:
        raw_ids = {row[0] for row in list(csv.reader(handle))[1:]}
    return result, exports, raw_ids


pytestmark = pytest.mark.e2e


def campaign_ids(database: Path) -> list[str]:
    return [row[0] for row in query(database, "select campaign_id from marts.dim_campaigns order by 1")]


def test_one_csv_and_one_parquet_per_campaign_owner_only(built):
    result, exports, _ = built
    campaigns = campaign_ids(result.database)
    assert len(campaigns) >= 6
    expected = {f"audience_{c}.{suffix}" for c in campaigns for suffix in ("csv", "parquet")}
    assert {p.name for p in exports.iterdir()} == expected
    for path in exports.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_files_hold_only_salted_hashes_of_non_holdout_users(built):
    result, exports, raw_ids = built
    salted = {hashlib.sha256((SALT + i).encode()).hexdigest() for i in raw_ids}
    unsalted = {hashlib.sha256(i.encode()).hexdigest() for i in raw_ids}
    for campaign in campaign_ids(result.database):
        with open(exports / f"audience_{campaign}.csv", newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["hashed_user_id"]
        csv_ids = [row[0] for row in rows[1:]]
        table = pq.read_table(exports / f"audience_{campaign}.parquet")
        assert table.column_names == ["hashed_user_id"]
        assert table.column("hashed_user_id").to_pylist() == csv_ids
        assert csv_ids, campaign
        assert all(HEX64.fullmatch(value) for value in csv_ids)
        assert not set(csv_ids) & raw_ids, "a raw user id was exported"
        assert not set(csv_ids) & unsalted, "ids were hashed without the salt"
        assert set(csv_ids) <= salted
        expected = query(
            result.database,
            "select hashed_user_id from marts.fct_campaign_audiences "
            f"where campaign_id = '{campaign}' and not is_holdout order by 1",
        )
        assert csv_ids == [row[0] for row in expected]


def test_audience_table_has_no_raw_id_column(built):
    result, _, _ = built
    columns = [
        row[0]
        for row in query(
            result.database,
            "select column_name from information_schema.columns where table_name = 'fct_campaign_audiences'",
        )
    ]
    assert "user_id" not in columns
    assert set(columns) == {"campaign_id", "hashed_user_id", "segment_id", "is_holdout"}


def test_hashed_ids_are_stored_uncompressed(built):
    """The custom constraint of int_segment_members.hashed_user_id reaches the table's DDL:
    DuckDB stores the 64 hex digits as they are (trying to compress them cost most of the
    column's write); the other columns keep DuckDB's own choice."""
    result, _, _ = built
    compression = dict(
        query(
            result.database,
            "select column_name, string_agg(distinct compression, ',') "
            "from pragma_storage_info('intermediate.int_segment_members') "
            "where segment_type <> 'VALIDITY' group by column_name",
        )
    )
    assert compression["hashed_user_id"] == "Uncompressed"
    assert compression["age_band"] != "Uncompressed"


def test_eligible_users_are_exactly_those_meeting_every_constraint(built):
    """int_campaign_eligible_users joins on integer bits (device, age and income
    masks); derived here in Python from the campaigns' lists and the users'
    attributes, every campaign x user pair must agree."""
    result, _, _ = built
    campaigns = query(
        result.database,
        "select campaign_id, target_devices, target_age_bands, target_income_bands from marts.dim_campaigns",
    )
    users = query(
        result.database,
        """
        select segments.user_id, features.uses_mobile, features.uses_desktop, features.uses_tablet,
               features.age_band, features.income_band
        from marts.fct_user_segments as segments
        inner join marts.fct_user_features as features on segments.user_id = features.user_id
        """,
    )
    used = {user_id: {"mobile": m, "desktop": d, "tablet": t} for user_id, m, d, t, _, _ in users}
    # each kind of constraint: does a user pass the campaign's (non-empty) list
    checks = {
        "devices": lambda listed, user: any(used[user[0]][device] for device in listed),
        "age bands": lambda listed, user: user[4] in listed,
        "income bands": lambda listed, user: user[5] in listed,
    }
    lists = {campaign[0]: dict(zip(checks, campaign[1:], strict=True)) for campaign in campaigns}

    def failing(kinds):
        """(campaign, user) pairs where the user fails a listed constraint of one of ``kinds``."""
        return {
            (campaign_id, user[0])
            for campaign_id, listed in lists.items()
            for user in users
            if any(listed[kind] and not checks[kind](listed[kind], user) for kind in kinds)
        }

    expected = {(campaign_id, user[0]) for campaign_id in lists for user in users} - failing(checks)
    eligible = query(
        result.database, "select campaign_id, user_id from intermediate.int_campaign_eligible_users"
    )
    assert len(eligible) == len(set(eligible))
    assert set(eligible) == expected
    # not vacuous: each kind of constraint (devices, age bands, income bands)
    # is listed by some campaign and, on its own, excludes some users there
    for kind in checks:
        pairs = failing([kind])
        assert pairs, f"no campaign's {kind} exclude anyone: the check of that constraint is vacuous"
        assert not pairs & set(eligible), kind


def test_campaign_scores_agree_with_the_eligible_users_user_by_user(built):
    """int_campaign_segment_scores counts and averages groups of members with
    the same segment, bits and interest mask; aggregated user by user from
    int_campaign_eligible_users instead, every campaign x segment must have the
    same eligible and interested users, objective mean and click rate."""
    result, _, _ = built
    by_user = query(
        result.database,
        """
        select
            eligible.campaign_id, eligible.segment_id, count(*), count(*) filter (where has_target_interest),
            avg(case campaigns.objective
                when 'awareness' then eligible.weekly_hours_online
                when 'traffic' then eligible.click_through_rate
                else eligible.expected_conversions_per_impression
            end),
            avg(eligible.click_through_rate)
        from intermediate.int_campaign_eligible_users as eligible
        inner join marts.dim_campaigns as campaigns on eligible.campaign_id = campaigns.campaign_id
        group by all
        """,
    )
    scores = query(
        result.database,
        """
        select campaign_id, segment_id, eligible_users, interested_users, objective_value,
               expected_clicks_per_1000_impressions / 1000
        from intermediate.int_campaign_segment_scores
        where eligible_users > 0
        """,
    )
    expected = {row[:2]: row[2:] for row in by_user}
    actual = {row[:2]: row[2:] for row in scores}
    assert actual.keys() == expected.keys()
    # not vacuous: some campaign leaves some of a segment out, and some eligible
    # users list none of the campaign's interests
    assert any(row[2] > row[3] for row in by_user)
    assert query(
        result.database,
        "select count(*) from intermediate.int_campaign_segment_scores where eligible_users < segment_size",
    )[0][0]
    for key, (users, interested, objective, click_rate) in expected.items():
        assert actual[key][:2] == (users, interested), key
        assert actual[key][2] == pytest.approx(objective, abs=1e-9), key  # rounded to 9 decimals
        assert actual[key][3] == pytest.approx(click_rate, abs=1e-9), key  # 1,000 x, to 6 decimals


# The audience re-derivation test (tests/singular), shown each problem it exists
# to find in a copy of the built database whose audience view is replaced by a
# table and then broken. Each tamper picks its row from the data: a sampled user
# (hashed id below '1', the users the test checks row by row) in a campaign and
# segment that give exactly one problem.
SAMPLED_USERS = """
    from intermediate.int_segment_members as m
    inner join marts.fct_campaign_segment_plan as p on m.segment_id = p.segment_id
    inner join marts.dim_campaigns as c on p.campaign_id = c.campaign_id
    where m.hashed_user_id < '1'
"""
NO_DEVICE, NO_AGE, NO_INCOME = (
    f"len(c.target_{kind}) = 0" for kind in ("devices", "age_bands", "income_bands")
)
MEETS_DEVICE = (
    f"({NO_DEVICE} or (list_contains(c.target_devices, 'mobile') and m.uses_mobile)"
    " or (list_contains(c.target_devices, 'desktop') and m.uses_desktop)"
    " or (list_contains(c.target_devices, 'tablet') and m.uses_tablet))"
)
MEETS_AGE = f"({NO_AGE} or list_contains(c.target_age_bands, m.age_band))"
MEETS_INCOME = f"({NO_INCOME} or list_contains(c.target_income_bands, m.income_band))"
FIRST_SAMPLED_ROW = "(select min(rowid) from marts.fct_campaign_audiences where hashed_user_id < '1')"
FIRST_UNSAMPLED_ROW = "(select min(rowid) from marts.fct_campaign_audiences where hashed_user_id >= '1')"


def add_audience_row(condition: str) -> str:
    """Insert the first sampled user x campaign meeting ``condition`` as an audience row."""
    return f"""
        insert into marts.fct_campaign_audiences
        select p.campaign_id, m.hashed_user_id, m.segment_id, false {SAMPLED_USERS} and {condition}
        order by p.campaign_id, m.user_id
        limit 1
    """


AUDIENCE_TAMPERS = {
    "eligible user of a targeted segment missing": (
        f"delete from marts.fct_campaign_audiences where rowid = {FIRST_SAMPLED_ROW}"
    ),
    "segment not targeted": add_audience_row(
        f"not p.is_targeted and {MEETS_DEVICE} and {MEETS_AGE} and {MEETS_INCOME}"
    ),
    "device constraint broken": add_audience_row(
        f"p.is_targeted and not {MEETS_DEVICE} and {MEETS_AGE} and {MEETS_INCOME}"
    ),
    "age constraint broken": add_audience_row(
        f"p.is_targeted and {MEETS_DEVICE} and not {MEETS_AGE} and {MEETS_INCOME}"
    ),
    "income constraint broken": add_audience_row(
        f"p.is_targeted and {MEETS_DEVICE} and {MEETS_AGE} and not {MEETS_INCOME}"
    ),
    "wrong segment_id": (
        "update marts.fct_campaign_audiences set segment_id = (segment_id + 1) % "
        f"(select count(*) from marts.dim_segments) where rowid = {FIRST_SAMPLED_ROW}"
    ),
    "unknown user": (
        "insert into marts.fct_campaign_audiences "
        "select min(campaign_id), '0' || repeat('f', 63), 0, false from marts.dim_campaigns"
    ),
    # outside the sample: only the sizes, which count every row, see these
    None: f"delete from marts.fct_campaign_audiences where rowid = {FIRST_UNSAMPLED_ROW}",
    # a campaign x segment the plan does not have: a size of its own (these
    # stand for the column tests the view does not have)
    **{
        f"{column} {value}": (
            f"update marts.fct_campaign_audiences set {column} = {value} where rowid = {FIRST_UNSAMPLED_ROW}"
        )
        for column, value in [
            ("segment_id", "99"),
            ("segment_id", "null"),
            ("campaign_id", "'no_such_campaign'"),
            ("campaign_id", "null"),
        ]
    },
}


ROW_PROBLEMS = [
    problem
    for problem in AUDIENCE_TAMPERS
    if problem and not problem.startswith(("segment_id", "campaign_id"))
]


def run_audience_test(database: Path, test: str, tamper: str | None) -> list[tuple]:
    """Run singular test ``test`` on a copy of ``database`` whose audience view
    is a table, after ``tamper``; its rows."""
    copy = database.parent / f"tampered-{uuid.uuid4().hex}.duckdb"
    shutil.copy(database, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "create table marts.audiences_as_table as select * from marts.fct_campaign_audiences;"
            "drop view marts.fct_campaign_audiences;"
            "alter table marts.audiences_as_table rename to fct_campaign_audiences"
        )
        if tamper:
            changed = con.execute(tamper).fetchall()
            assert changed[0][0] == 1, f"the tamper found no row to change: {tamper}"
        tables = con.execute(
            "select table_name, table_schema || '.' || table_name from information_schema.tables"
        )
        sql = render_singular(
            test, dict(tables.fetchall()), user_segmentation_number_var={"holdout_share": 0.1}.__getitem__
        )
        return con.execute(sql).fetchall()
    finally:
        con.close()
        copy.unlink()


def audience_test_problems(database: Path, tamper: str | None) -> list[str]:
    """The problems the audience re-derivation test reports after ``tamper``."""
    rows = run_audience_test(database, "assert_audience_users_targeted_and_eligible", tamper)
    return [row[-1] for row in rows]


def test_audience_test_passes_on_the_build(built):
    assert audience_test_problems(built[0].database, None) == []


@pytest.mark.parametrize("problem", list(AUDIENCE_TAMPERS))
def test_audience_test_finds_each_problem(built, problem):
    found = audience_test_problems(built[0].database, AUDIENCE_TAMPERS[problem])
    row_problems = [text for text in found if not text.startswith("audience has ")]
    assert row_problems == ([problem] if problem in ROW_PROBLEMS else [])
    # every change moves an audience size away from the plan
    assert any(text.startswith("audience has ") for text in found), found
    if problem and problem.startswith(("segment_id", "campaign_id")):
        assert "audience has 1 users, the plan says 0" in found, found


def test_holdout_test_finds_a_null_holdout_flag(built):
    """assert_holdout_share_within_tolerance reads every row: a null is_holdout anywhere fails it."""
    test = "assert_holdout_share_within_tolerance"
    assert run_audience_test(built[0].database, test, None) == []
    tamper = f"update marts.fct_campaign_audiences set is_holdout = null where rowid = {FIRST_UNSAMPLED_ROW}"
    assert len(run_audience_test(built[0].database, test, tamper)) == 1


def test_salt_is_written_nowhere(built):
    result, exports, _ = built
    needle = SALT.encode()
    places = [exports, result.database.parent, REPO / "target", REPO / "logs"]
    for place in places:
        if not place.exists():
            continue
        files = [place] if place.is_file() else [p for p in place.rglob("*") if p.is_file()]
        for path in files:
            assert needle not in path.read_bytes(), f"salt found in {path}"


def test_export_is_deterministic(built, tmp_path):
    result, exports, _ = built
    again = export.export_audiences(result.database, tmp_path / "again")
    for written in again:
        assert written.path.read_bytes() == (exports / written.path.name).read_bytes()


def test_stale_campaign_files_are_removed_and_others_kept(built, tmp_path):
    result, _, _ = built
    folder = tmp_path / "stale"
    folder.mkdir()
    (folder / "audience_old_campaign.csv").write_text("hashed_user_id\n")
    (folder / "notes.txt").write_text("mine")
    export.export_audiences(result.database, folder)
    assert not (folder / "audience_old_campaign.csv").exists()
    assert (folder / "notes.txt").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("ab12", "ab12"),
    ],
)
def test_escape_csv_formula(value, expected):
    assert export.escape_csv_formula(value) == expected


def test_csv_cells_that_look_like_formulas_are_escaped(tmp_path):
    database = tmp_path / "formula.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema marts")
    con.execute("create table marts.dim_campaigns as select 'c1' as campaign_id")
    con.execute(
        "create table marts.fct_campaign_audiences as select * from (values "
        "('c1', '=cmd()', false), ('c1', '-2', false), ('c1', 'abc', false), ('c1', '@x', true)"
        ") t(campaign_id, hashed_user_id, is_holdout)"
    )
    con.close()
    written = export.export_audiences(database, tmp_path / "out")
    text = (tmp_path / "out" / "audience_c1.csv").read_text()
    assert text.splitlines() == ["hashed_user_id", "'-2", "'=cmd()", "abc"]
    assert [w.users for w in written] == [3, 3]
    values = [export.escape_csv_formula(v) for v in ["=cmd()", "-2", "abc", "\tx", "+1", "@a"]]
    con = duckdb.connect()
    sql_values = [
        con.execute(f"select {export.escaped_sql('v')} from (select ? as v)", [v]).fetchall()[0][0]
        for v in ["=cmd()", "-2", "abc", "\tx", "+1", "@a"]
    ]
    assert sql_values == values


def test_write_private_ignores_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        export.write_private(tmp_path / "f.csv", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.csv").stat().st_mode) == 0o600


def test_bad_campaign_id_cannot_name_a_file(tmp_path):
    database = tmp_path / "bad.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema marts")
    con.execute("create table marts.dim_campaigns as select '../../etc/x' as campaign_id")
    con.execute(
        "create table marts.fct_campaign_audiences as "
        "select '../../etc/x' as campaign_id, 'ab' as hashed_user_id, false as is_holdout"
    )
    con.close()
    with pytest.raises(export.ExportError):
        export.export_audiences(database, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_plugin_binds_the_salt_as_a_session_variable():
    con = duckdb.connect()
    duckdb_plugin.bind_salt(con, "s'; drop table x; --")
    assert con.execute("select getvariable('audience_hash_salt')").fetchall() == [("s'; drop table x; --",)]
