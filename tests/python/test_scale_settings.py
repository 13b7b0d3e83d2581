"""Settings that keep big builds memory-bounded, exercised on the small sample.

``quantile_sample_rows`` below the number of users switches medians and
quartiles to the seeded sample; they must stay close to the exact values and
the means must not change at all.
"""

from __future__ import annotations

import pytest
from conftest import REPO, build_into, query

pytestmark = pytest.mark.e2e

SAMPLE = REPO / "data/sample/user_profiles_sample.csv"


@pytest.fixture(scope="module")
def exact_and_sampled(tmp_path_factory):
    exact = build_into(tmp_path_factory.mktemp("exact"), SAMPLE, export_audiences=False)
    sampled = build_into(
        tmp_path_factory.mktemp("sampled"),
        SAMPLE,
        export_audiences=False,
        dbt_vars={"quantile_sample_rows": 250},
    )
    return exact, sampled


def test_sampled_quartiles_are_close_to_the_exact_ones_and_means_unchanged(exact_and_sampled):
    exact, sampled = exact_and_sampled
    sql = (
        "select attribute, p25_value, median_value, p75_value, mean_value, max_value - min_value "
        "from marts.fct_numeric_summaries order by attribute"
    )
    exact_rows, sampled_rows = query(exact, sql), query(sampled, sql)
    assert [r[0] for r in exact_rows] == [r[0] for r in sampled_rows]
    differs = 0
    for e, s in zip(exact_rows, sampled_rows, strict=True):
        assert s[4] == e[4], f"{e[0]}: the mean must use every user"
        for position in (1, 2, 3):
            assert s[position] is not None
            # 1 in 4 of 1,000 users: a quartile moves by a fraction of the range
            assert abs(s[position] - e[position]) <= 0.15 * e[5] + 1e-9, e[0]
            differs += s[position] != e[position]
    assert differs > 0, "the sample was not used: every quartile is exactly the full-data one"


def test_sampled_segment_medians_present_and_means_unchanged(exact_and_sampled):
    exact, sampled = exact_and_sampled
    sql = (
        "select segment_metric_id, mean_value, median_value from marts.fct_segment_metrics "
        "order by segment_metric_id"
    )
    exact_rows, sampled_rows = query(exact, sql), query(sampled, sql)
    assert [(r[0], r[1]) for r in exact_rows] == [(r[0], r[1]) for r in sampled_rows]
    assert all(r[2] is not None for r in sampled_rows)
