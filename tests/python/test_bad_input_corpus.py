"""The bad-input corpus end to end: every case is built (staging only) and must
end as documented: ``loaded`` (good rows staged, bad rows rejected with their
reasons, raw = staged + rejected) or ``refused`` (nothing published, a plain
one-paragraph message naming the file and the column or line)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import REPO, query
from user_segmentation import runner

sys.path.insert(0, str(REPO / "tests" / "corpus"))
import make_corpus  # noqa: E402

pytestmark = pytest.mark.e2e

# staging only (cautious: no singular test that also reads marts), without the dbt unit tests
# (they do not depend on the input; make dbt-test runs them)
STAGING_ONLY = ["--select", "+tag:staging", "--indirect-selection", "cautious", "--exclude", "test_type:unit"]


@pytest.fixture(scope="module")
def base_rows():
    return make_corpus.base_rows()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, bytes]:
    """A published database from a good file; refused builds must leave it byte-identical."""
    folder = tmp_path_factory.mktemp("published")
    good = folder / "good.csv"
    good.write_bytes(make_corpus.plain(make_corpus.base_rows()))
    database = folder / "published.duckdb"
    runner.build(good, database, capture=True, extra_args=STAGING_ONLY)
    return database, database.read_bytes()


@pytest.mark.parametrize("case", make_corpus.CASES, ids=lambda case: case.name)
def test_corpus_case(case, base_rows, published, tmp_path):
    path = make_corpus.write_case(case, tmp_path, base_rows)
    if case.outcome == "refused":
        database, before = published
        with pytest.raises(runner.BuildError) as raised:
            runner.build(path, database, capture=True, extra_args=STAGING_ONLY)
        message = str(raised.value)
        assert str(path) in message, message
        for fragment in case.message:
            assert fragment in message, message
        assert "Traceback" not in message and "\n" not in message, message
        assert database.read_bytes() == before
        return

    assert case.outcome == "loaded"
    database = tmp_path / "out.duckdb"
    runner.build(path, database, capture=True, extra_args=STAGING_ONLY)
    rejected = dict(
        query(database, "select record_number, reject_reason_text from staging.stg_user_profiles__rejected")
    )
    staged = query(database, "select count(*) from staging.stg_user_profiles")[0][0]
    for record, reason in case.rejected.items():
        assert record in rejected, (record, rejected)
        assert reason in rejected[record], (record, rejected[record])
    if case.records is not None:
        assert set(rejected) == set(case.rejected), rejected
        assert staged + len(rejected) == case.records
    if case.staged_check is not None:
        sql, expected = case.staged_check
        assert query(database, sql)[0][0] == expected
    # nothing lost, checked against an independent count of the data records
    records = query(database, "select count(*) from staging.stg_user_profiles__records")[0][0]
    assert staged + len(rejected) == records


def test_sql_and_formula_text_leaves_every_table_in_place(base_rows, tmp_path):
    case = next(case for case in make_corpus.CASES if case.name == "sql_and_formula_text")
    path = make_corpus.write_case(case, tmp_path, base_rows)
    database = tmp_path / "out.duckdb"
    runner.build(path, database, capture=True, extra_args=STAGING_ONLY)
    tables = {row[0] for row in query(database, "select table_name from information_schema.tables")}
    assert {"stg_user_profiles", "category_values", "stg_user_profiles__rejected"} <= tables
    raw = query(
        database, "select raw_location from staging.stg_user_profiles__rejected where record_number = 4"
    )
    assert raw[0][0] == make_corpus.DROP_TABLE


def test_malicious_number_var_is_refused_before_any_sql(tmp_path, base_rows):
    good = tmp_path / "good.csv"
    good.write_bytes(make_corpus.plain(base_rows))
    database = tmp_path / "out.duckdb"
    with pytest.raises(runner.BuildError) as raised:
        runner.build(
            good,
            database,
            capture=True,
            extra_args=STAGING_ONLY,
            dbt_vars={"max_hours_per_day": "24 or 1=1); drop table reference.category_values; --"},
        )
    assert "var max_hours_per_day must be a number" in str(raised.value)
    assert not database.exists()


def test_readme_lists_every_case_with_its_outcome():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bad input", 1)[1].split("\n## ", 1)[0]
    for case in make_corpus.CASES:
        assert f"| `{case.name}` |" in section, case.name
        row = next(line for line in section.splitlines() if line.startswith(f"| `{case.name}` |"))
        assert f"**{case.outcome}**" in row, row
