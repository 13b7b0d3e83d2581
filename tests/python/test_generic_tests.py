"""The project's generic dbt tests, rendered from tests/generic/ and run on small tables.

dbt itself only ever sees them pass on a good build; here each is shown the
problem it exists to find.
"""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest
from conftest import REPO, TEST_MACROS, render_singular


def render_test(name: str, **arguments) -> str:
    """The SQL of generic test ``name`` for ``arguments`` (the body between {% test %} and {% endtest %})."""
    text = (REPO / "tests" / "generic" / f"{name}.sql").read_text()
    body = re.search(r"{%\s*test\s+" + name + r"\(.*?\)\s*%}(.*){%\s*endtest\s*%}", text, re.S)
    assert body, f"no test block in {name}.sql"
    return jinja2.Template(TEST_MACROS + body.group(1)).render(**arguments)


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        ([1, 2, 3], []),
        ([1, 2, 2, 3], [(2, 2, "duplicate key")]),
        ([1, None, 3, None], [(None, 2, "null key")]),
        ([None, 5, 5, 5], [(None, 1, "null key"), (5, 3, "duplicate key")]),
    ],
)
@pytest.mark.parametrize("integer_key", [True, False])
def test_primary_key_finds_null_and_repeated_keys(rows, problems, integer_key):
    con = duckdb.connect()
    con.execute("create table users (user_id bigint)")
    con.executemany("insert into users values (?)", [(row,) for row in rows])
    sql = render_test("primary_key", model="users", column_name="user_id", integer_key=integer_key)
    found = con.execute(f"select * from ({sql}) order by key_value nulls first").fetchall()
    assert found == problems


@pytest.mark.parametrize(
    ("column_type", "rows", "problems"),
    [
        # far apart: beyond the bitmap's 2^27 values above the smallest key
        ("bigint", [1, 3_000_000_000, 3_000_000_000, 7], [(3_000_000_000, 2, "duplicate key")]),
        ("bigint", [1, 3_000_000_000, 5, 5], [(5, 2, "duplicate key")]),
        ("bigint", [-(2**62), 2**62, 0], []),
        # the last offset in the bitmaps and the first beyond them
        (
            "bigint",
            [0, 2**27 - 1, 2**27 - 1, 2**27, 2**27, 2**27 + 1],
            [(2**27 - 1, 2, "duplicate key"), (2**27, 2, "duplicate key")],
        ),
        # beyond bigint: not cast, counted by the aggregation
        ("ubigint", [2**64 - 1, 2**64 - 1, 5], [(2**64 - 1, 2, "duplicate key")]),
        ("integer", [7, 8, 9, 8, None], [(None, 1, "null key"), (8, 2, "duplicate key")]),
        # text keys: never cast ('7' and '07' are two keys)
        ("varchar", ["7", "07", "a", "a"], [("a", 2, "duplicate key")]),
        ("double", [1.5, 1.5, 2.0], [(1.5, 2, "duplicate key")]),
    ],
)
def test_primary_key_bitmap_and_aggregation_agree(column_type, rows, problems):
    """The bitmap path for integer keys and the keys it leaves to the aggregation."""
    con = duckdb.connect()
    con.execute(f"create table users (user_id {column_type})")
    con.executemany("insert into users values (?)", [(row,) for row in rows])
    for integer_key in (True, False):
        sql = render_test("primary_key", model="users", column_name="user_id", integer_key=integer_key)
        found = con.execute(f"select * from ({sql}) order by key_value nulls first").fetchall()
        assert found == problems, integer_key


def test_primary_key_bitmap_on_many_dense_keys():
    """3M dense keys (three bitmap blocks) with one repeat: the bitmap sees it and the repeat is listed."""
    con = duckdb.connect()
    con.execute("create table users as select range as user_id from range(3000000) union all select 2500000")
    sql = render_test("primary_key", model="users", column_name="user_id")
    assert con.execute(sql).fetchall() == [(2500000, 2, "duplicate key")]
    con.execute("delete from users where user_id = 2500000")
    assert con.execute(sql).fetchall() == []


def id_tables(**tables: list) -> duckdb.DuckDBPyConnection:
    """A database with one table of BIGINT ``user_id`` per keyword: its name and ids."""
    con = duckdb.connect()
    for table, ids in tables.items():
        con.execute(f"create table {table} (user_id bigint)")
        if ids:
            con.executemany(f"insert into {table} values (?)", [(i,) for i in ids])
    return con


FAR = 9_000_000_000_000  # beyond the bitmap's 2^27 ids above the smallest
MISSING = "valid user without a segment"
EXTRA = "scored user that is not a valid user"


@pytest.mark.parametrize(
    ("valid_users", "segmented_users", "problems"),
    [
        (list(range(1, 1000)), list(range(999, 0, -1)), []),
        (list(range(1, 1000)), [i for i in range(1, 1000) if i != 5], [(5, MISSING)]),
        (list(range(1, 1000)), [*range(1, 1000), 5000], [(5000, EXTRA)]),
        ([*range(1, 10), FAR], [*range(1, 10), FAR], []),
        (
            [*range(1, 10), FAR + 1],
            [*range(1, 10), FAR],
            [(FAR, EXTRA), (FAR + 1, MISSING)],
        ),
        ([FAR, FAR + 1], [FAR], [(FAR + 1, MISSING)]),
        # the last offset in the bitmaps against the first beyond them
        ([0, 2**27 - 1], [0, 2**27], [(2**27 - 1, MISSING), (2**27, EXTRA)]),
        ([], [1, 2], [(1, EXTRA), (2, EXTRA)]),
        ([1, 2], [], [(1, MISSING), (2, MISSING)]),
        ([], [], []),
    ],
)
def test_every_valid_user_has_one_segment_compares_bitmaps_then_ids(valid_users, segmented_users, problems):
    """The bitmap comparison of assert_every_valid_user_has_one_segment and its id-by-id fallback."""
    con = id_tables(valid_users=valid_users, segmented_users=segmented_users)
    sql = render_singular(
        "assert_every_valid_user_has_one_segment",
        {"int_user_features_scaled": "valid_users", "fct_user_segments": "segmented_users"},
    )
    assert con.execute(f"select * from ({sql}) order by user_id").fetchall() == problems


def test_every_staged_interest_listed_counts_the_sampled_users():
    """Rows of the interest view against the staged interest counts, for the users of the 1/16 sample."""
    con = duckdb.connect()
    sampled, unsampled = (
        con.execute(
            f"select min(i) from range(1, 1000) t(i) where (hash(i) < 2::ubigint ** 60) = {flag}"
        ).fetchone()[0]
        for flag in ("true", "false")
    )
    con.execute("create table profiles (user_id bigint, interest_count integer)")
    con.execute("create table interests (user_id bigint, interest_name varchar)")
    con.execute(f"insert into profiles values ({sampled}, 2), ({unsampled}, 2)")
    sql = render_singular(
        "assert_every_staged_interest_listed",
        {"stg_user_profiles": "profiles", "stg_user_interests": "interests"},
    )
    rows = {sampled: ["a", "b"], unsampled: ["a", "b"]}

    def problems():
        con.execute("delete from interests")
        con.executemany(
            "insert into interests values (?, ?)",
            [(user, name) for user, names in rows.items() for name in names],
        )
        return con.execute(sql).fetchall()

    assert problems() == []
    rows[sampled] = ["a"]  # a sampled user's interest missing
    assert problems() == [(2, 1)]
    rows[sampled] = ["a", "b", "b"]  # listed twice
    assert problems() == [(2, 3)]
    rows[sampled] = ["a", "b"]
    rows[unsampled] = ["a"]  # outside the sample: not read
    assert problems() == []


@pytest.mark.parametrize(
    ("scaled_ids", "feature_ids", "problems"),
    [
        (list(range(1, 1000)), list(range(999, 0, -1)), []),
        # nulls are left out on both sides
        ([1, 2, None], [2, 1, None, None], []),
        ([1, 2, 3], [1, 2], [(3, "id not in features")]),
        ([1, 2], [1, 2, 3], [(3, "id of features missing here")]),
        ([1, FAR], [1, FAR + 1], [(FAR, "id not in features"), (FAR + 1, "id of features missing here")]),
        ([], [7], [(7, "id of features missing here")]),
    ],
)
def test_same_ids_as_finds_ids_on_either_side_only(scaled_ids, feature_ids, problems):
    con = id_tables(scaled=scaled_ids, features=feature_ids)
    sql = render_test("same_ids_as", model="scaled", column_name="user_id", to="features", field="user_id")
    assert con.execute(f"select * from ({sql}) order by id_value").fetchall() == problems


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        ([("a", 1), ("a", 2), ("b", 1)], []),
        ([("a", 1), ("b", 1), ("a", 1)], [("a", 1, 2)]),
        ([("a", 1), ("a", 1), ("a", 1), ("b", 2), ("b", 2)], [("a", 1, 3), ("b", 2, 2)]),
        # nulls are equal to each other here, as in group by
        ([("a", None), ("a", None), (None, None)], [("a", None, 2)]),
    ],
)
def test_unique_combination_of_columns_lists_repeated_combinations(rows, problems):
    con = duckdb.connect()
    con.execute("create table audiences (campaign_id varchar, user_id bigint)")
    con.executemany("insert into audiences values (?, ?)", rows)
    sql = render_test(
        "unique_combination_of_columns", model="audiences", combination_of_columns=["campaign_id", "user_id"]
    )
    found = con.execute(f"select * from ({sql}) order by all").fetchall()
    assert found == problems


def test_unique_combination_of_columns_tells_a_shared_hash_from_a_repeat():
    """Two different combinations with one hash (a collision, forced here) are not a repeat."""
    con = duckdb.connect()
    con.execute("create table audiences (campaign_id varchar, user_id bigint)")
    con.executemany("insert into audiences values (?, ?)", [("a", 1), ("b", 2), ("b", 2), ("c", 3)])
    sql = render_test(
        "unique_combination_of_columns", model="audiences", combination_of_columns=["campaign_id", "user_id"]
    )
    # every combination gets the same "hash": all rows go to the second, exact step
    collided = sql.replace("hash(campaign_id, user_id)", "(0 * length(campaign_id))")
    assert collided != sql
    assert con.execute(f"select * from ({collided})").fetchall() == [("b", 2, 2)]
