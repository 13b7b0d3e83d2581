"""The generator: schema, value sets, determinism, planted segments."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pytest
from user_segmentation import synthetic


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_header_and_row_count(tmp_path):
    path = synthetic.write_users(tmp_path / "u.csv", n_users=500, seed=1)
    rows = read_rows(path)
    assert tuple(rows[0]) == synthetic.HEADER
    assert len(rows) == 501
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 501))


def test_value_sets_match_reference(tmp_path):
    path = synthetic.write_users(tmp_path / "u.csv", n_users=3000, seed=2)
    rows = read_rows(path)[1:]
    index = {name: i for i, name in enumerate(synthetic.HEADER)}
    for column, values in synthetic.CATEGORIES.items():
        assert {r[index[column]] for r in rows} == set(values), column
    for spec in synthetic.NUMERICS:
        numbers = [float(r[index[spec.column]]) for r in rows]
        assert min(numbers) >= spec.low / spec.scale
        assert max(numbers) <= spec.high / spec.scale
    interests = [r[index["Top Interests"]].split(", ") for r in rows]
    assert {len(i) for i in interests} == {1, 2, 3, 4}
    assert all(len(set(i)) == len(i) for i in interests)
    assert {x for i in interests for x in i} == set(synthetic.INTERESTS)


def test_numbers_written_like_the_reference(tmp_path):
    path = synthetic.write_users(tmp_path / "u.csv", n_users=2000, seed=3)
    rows = read_rows(path)[1:]
    hours = {r[9] for r in rows}
    assert "2.0" in hours or "3.0" in hours  # whole hours keep their ".0"
    assert all("." in h for h in hours)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    def digest(name, seed):
        path = synthetic.write_users(tmp_path / name, n_users=2000, seed=seed, chunk_size=700)
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert digest("a.csv", 5) == digest("b.csv", 5)
    assert digest("a.csv", 5) != digest("c.csv", 6)


def test_parquet_has_the_same_content_with_numbers_typed(tmp_path):
    csv_path = synthetic.write_users(tmp_path / "u.csv", n_users=400, seed=4)
    pq_path = synthetic.write_users(tmp_path / "u.parquet", n_users=400, seed=4)
    con = duckdb.connect()
    types = {name: synthetic.PARQUET_TYPES.get(name, "VARCHAR") for name in synthetic.HEADER}
    a = con.execute(f"select * from read_csv('{csv_path}', header = true, columns = {types})").fetchall()
    b = con.execute(f"select * from read_parquet('{pq_path}')").fetchall()
    assert a == b
    described = con.execute(f"describe select * from read_parquet('{pq_path}')").fetchall()
    assert [(row[0], row[1]) for row in described] == list(types.items())


def test_parquet_types_follow_the_reference_columns_seed():
    """Integers are BIGINT, decimals and fractions DOUBLE, the rest text, as the
    seed of the reference columns says."""
    seed = Path(__file__).resolve().parents[2] / "seeds" / "reference" / "raw_columns.csv"
    expected = {}
    for row in read_rows(str(seed))[1:]:
        kind = row[3]
        if kind == "integer":
            expected[row[1]] = "BIGINT"
        elif kind in ("decimal", "fraction"):
            expected[row[1]] = "DOUBLE"
    assert expected == synthetic.PARQUET_TYPES


def test_planted_segments_write_labels(tmp_path):
    path = synthetic.write_users(tmp_path / "p.csv", n_users=1000, seed=9, planted_segments=4)
    labels = read_rows(str(path) + ".labels.csv")
    assert labels[0] == ["user_id", "planted_segment"]
    assert {int(r[1]) for r in labels[1:]} == {0, 1, 2, 3}
    assert len(labels) == 1001


def test_negative_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match="n_users"):
        synthetic.write_users(tmp_path / "x.csv", n_users=-1)


def test_bytes_do_not_depend_on_threads(tmp_path):
    """Chunks are made ahead on threads; the file must not depend on how many."""

    def digest(name, workers):
        path = synthetic.write_users(
            tmp_path / name,
            n_users=5000,
            seed=12,
            chunk_size=900,
            workers=workers,
            planted_segments=3,
        )
        labels = (tmp_path / (name + ".labels.csv")).read_bytes()
        return hashlib.sha256(path.read_bytes() + labels).hexdigest()

    assert digest("one.csv", 1) == digest("three.csv", 3)


def test_bundled_sample_is_reproduced_byte_for_byte(tmp_path):
    """The generator still writes exactly the committed sample (seed 42, 1,000 users):
    a speed-up of the generator must not change what it writes."""
    sample = synthetic_sample_path()
    made = synthetic.write_users(tmp_path / "sample.csv", n_users=1000, seed=42)
    assert made.read_bytes() == sample.read_bytes()


def test_file_follows_the_reference_schema(tmp_path):
    """Header, types and value sets as in shared/DATA.md, checked through DuckDB's sniffer."""
    path = synthetic.write_users(tmp_path / "u.csv", n_users=4000, seed=13)
    con = duckdb.connect()
    relation = con.sql(f"select * from read_csv('{path}')")
    assert tuple(relation.columns) == synthetic.HEADER
    types = dict(zip(relation.columns, [str(t) for t in relation.types], strict=True))
    for column in ("User ID", "Likes and Reactions", "Followed Accounts", "Ad Interaction Time (sec)"):
        assert types[column] == "BIGINT", column
    for column in (
        "Time Spent Online (hrs/weekday)",
        "Time Spent Online (hrs/weekend)",
        "Click-Through Rates (CTR)",
        "Conversion Rates",
    ):
        assert types[column] == "DOUBLE", column
    ranges = con.sql(
        f"""select min("User ID"), max("User ID"), count(distinct "User ID"),
                   min("Click-Through Rates (CTR)"), max("Click-Through Rates (CTR)"),
                   min("Conversion Rates"), max("Conversion Rates"),
                   min("Ad Interaction Time (sec)"), max("Ad Interaction Time (sec)")
            from read_csv('{path}')"""
    ).fetchall()[0]
    assert ranges[:3] == (1, 4000, 4000)
    assert ranges[3] >= 0.0 and ranges[4] <= 0.25
    assert ranges[5] >= 0.0 and ranges[6] <= 0.1
    assert ranges[7] >= 5 and ranges[8] <= 179


def synthetic_sample_path():
    from conftest import REPO

    return REPO / "data" / "sample" / "user_profiles_sample.csv"
