"""The exploration marts reproduce the counts of ../shared/DATA.md on the
reference dataset (skipped when the file is absent)."""

from __future__ import annotations

import pytest
from conftest import build_into, query

pytestmark = pytest.mark.e2e

# DATA.md, "Columns": every category with its count, in natural order.
CATEGORY_COUNTS = {
    "age_band": [
        ("18-24", 166),
        ("25-34", 255),
        ("35-44", 192),
        ("45-54", 188),
        ("55-64", 153),
        ("65+", 46),
    ],
    "gender": [("Female", 506), ("Male", 494)],
    "location": [("Urban", 350), ("Suburban", 332), ("Rural", 318)],
    "language": [("English", 258), ("Mandarin", 250), ("Spanish", 251), ("Hindi", 241)],
    "education_level": [
        ("High School", 205),
        ("Technical", 211),
        ("Bachelor", 189),
        ("Master", 209),
        ("PhD", 186),
    ],
    "income_band": [
        ("0-20k", 148),
        ("20k-40k", 165),
        ("40k-60k", 175),
        ("60k-80k", 168),
        ("80k-100k", 168),
        ("100k+", 176),
    ],
    "device_usage": [
        ("Mobile Only", 253),
        ("Mobile + Desktop", 250),
        ("Desktop Only", 262),
        ("Tablet", 235),
    ],
}

# DATA.md: the 16 interests by number of users who list them.
INTEREST_COUNTS = [
    ("Digital Marketing", 182),
    ("Investing and Finance", 171),
    ("Music Production", 169),
    ("Fitness and Wellness", 167),
    ("Eco-Friendly Living", 163),
    ("Fashion Modelling", 161),
    ("Gourmet Cooking", 157),
    ("Reading and Literature", 156),
    ("Gaming", 155),
    ("Pet Care", 155),
    ("Travel and Adventure", 152),
    ("Software Engineering", 151),
    ("DIY Crafts", 148),
    ("Photography", 148),
    ("Data Science", 147),
    ("Gardening", 140),
]

# DATA.md: (min, max, mean rounded as printed there, decimals of the mean).
NUMERIC_RANGES = {
    "likes_and_reactions": (101, 9973, 4997.1, 1),
    "followed_accounts": (10, 498, 251.4, 1),
    "weekday_hours_online": (0.5, 5.0, 2.76, 2),
    "weekend_hours_online": (1.0, 8.0, 4.60, 2),
    "click_through_rate": (0.0, 0.25, 0.125, 3),
    "conversion_rate": (0.0, 0.1, 0.050, 3),
    "ad_interaction_seconds": (5, 179, 91.4, 1),
}


@pytest.fixture(scope="module")
def reference_db(reference_csv, tmp_path_factory):
    return build_into(tmp_path_factory.mktemp("reference_exploration"), reference_csv)


def test_category_distributions_match_data_md(reference_db):
    rows = query(
        reference_db,
        "select attribute, value, users, share_of_users from marts.fct_attribute_distributions",
    )
    found: dict[str, list[tuple[str, int]]] = {}
    for attribute, value, users, share in rows:  # the table's own order
        found.setdefault(attribute, []).append((value, users))
        assert share == pytest.approx(users / 1000)
    assert found == CATEGORY_COUNTS
    assert list(found) == list(CATEGORY_COUNTS), "attributes not in reading order"


def test_interest_popularity_matches_data_md(reference_db):
    rows = query(
        reference_db,
        "select interest_name, users, popularity_rank from marts.dim_interests "
        "order by popularity_rank, interest_name",
    )
    assert [(name, users) for name, users, _ in rows] == INTEREST_COUNTS
    top_10 = [(name, users) for name, users, rank in rows if rank <= 10]
    assert top_10 == INTEREST_COUNTS[:10]
    ranks = {name: rank for name, _, rank in rows}
    assert ranks["Gaming"] == ranks["Pet Care"] == 9  # tied counts share a rank


def test_interest_count_distribution_matches_data_md(reference_db):
    rows = query(
        reference_db,
        "select interest_count, users from marts.fct_interest_count_distribution order by 1",
    )
    assert rows == [(1, 225), (2, 267), (3, 269), (4, 239)]


def test_interest_categories_cover_their_interests(reference_db):
    rows = query(
        reference_db,
        "select interest_category_id, users, interest_mentions from marts.dim_interest_categories",
    )
    assert len(rows) == 5
    assert sum(mentions for _, _, mentions in rows) == sum(n for _, n in INTEREST_COUNTS)
    assert all(users <= mentions for _, users, mentions in rows)


def test_numeric_summaries_match_data_md(reference_db):
    rows = query(
        reference_db,
        "select attribute, users, min_value, p25_value, median_value, p75_value, max_value, "
        "mean_value from marts.fct_numeric_summaries",
    )
    summaries = {row[0]: row[1:] for row in rows}
    for attribute, (low, high, mean, decimals) in NUMERIC_RANGES.items():
        users, minimum, p25, median, p75, maximum, mean_value = summaries[attribute]
        assert users == 1000
        assert (minimum, maximum) == (pytest.approx(low), pytest.approx(high)), attribute
        assert minimum <= p25 <= median <= p75 <= maximum
        assert round(mean_value, decimals) == pytest.approx(mean), attribute


def test_histograms_count_every_user(reference_db):
    rows = query(
        reference_db,
        "select attribute, count(*), sum(users), min(bin_lower_value), max(bin_upper_value) "
        "from marts.fct_numeric_histograms group by attribute",
    )
    summaries = dict(query(reference_db, "select attribute, users from marts.fct_numeric_summaries"))
    assert {attribute for attribute, *_ in rows} == set(summaries)
    for attribute, bins, users, _, _ in rows:
        assert bins == 20
        assert users == summaries[attribute]


def test_crosstab_baseline_and_bands(reference_db):
    rows = query(
        reference_db,
        "select age_band, users, click_through_rate_index from marts.fct_engagement_by_age_band",
    )
    assert [(band, users) for band, users, _ in rows] == CATEGORY_COUNTS["age_band"]
    weighted = query(
        reference_db,
        "select sum(users * avg_click_through_rate) / sum(users) from marts.fct_engagement_by_income_band",
    )[0][0]
    overall = query(
        reference_db,
        "select avg_click_through_rate from marts.fct_engagement_by_attribute where attribute = 'all_users'",
    )[0][0]
    assert weighted == pytest.approx(overall)
    assert overall == pytest.approx(0.125, abs=0.0005)


def test_scaled_features_on_reference(reference_db):
    dimensions = query(reference_db, "select count(*) from intermediate.int_feature_scaling_parameters")[0][0]
    rows = query(
        reference_db,
        "select count(*), min(len(features)), max(len(features)), any_value(typeof(features)) "
        "from intermediate.int_user_features_scaled",
    )
    assert rows == [(1000, dimensions, dimensions, f"FLOAT[{dimensions}]")]
