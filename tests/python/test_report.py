"""The segment report: charts are valid PNGs the HTML references, numbers come
from the marts, and every section says "not available" when its marts are missing.

The report is checked on one build of the sample as it is (whatever marts
this branch builds), and on copies of it whose `marts` schema is replaced by
fixture tables (clearly fake, in the contracts' shape): with the segmentation
marts of issue 4 only, and with the profile and campaign marts of issue 5 too.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, query
from matplotlib import image as mpimg
from user_segmentation import report, runner

pytestmark = pytest.mark.e2e

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SAMPLE = REPO / "data/sample/user_profiles_sample.csv"
K = 3
QUALITY_STATEMENT = "3 segments. Silhouette 0.12: fixture statement <for the report test>."

# ---- fixture marts shaped like the contracts (fake values, for the report only)
SEGMENTATION_MARTS = f"""
drop schema if exists marts cascade;
create schema marts;
create table marts.fct_user_features as
    select *, weekday_hours_online * 5 + weekend_hours_online * 2 as weekly_hours_online
    from staging.stg_user_profiles;
create table marts.fct_user_segments as
    select user_id, (user_id % {K})::integer as segment_id, 1.0 as distance_to_centroid
    from staging.stg_user_profiles;
create table marts.fct_k_selection as
    select k, 0.10 + k / 100 as silhouette, 0.9 - k / 20 as stability_ari_mean,
        0.02 as stability_ari_sd, k = {K} as is_chosen
    from range(2, 8) as t(k);
create table marts.dim_segmentation_model as
    select {K} as k, 'Fixture: most stable k above 2.' as selection_reason;
create table marts.dim_segmentation_quality as
    select '{QUALITY_STATEMENT}' as quality_statement, 0.12 as silhouette;
create table marts.fct_segment_stability as
    select segment_id, 0.8 - segment_id / 10 as jaccard_mean,
        case when segment_id = 0 then 'stable' else 'doubtful' end as stability_label
    from range(0, {K}) as t(segment_id);
"""

PROFILE_AND_CAMPAIGN_MARTS = f"""
create table marts.dim_segments as
    select segment_id, 'Fixture name ' || segment_id as segment_name, count(*) as segment_size
    from marts.fct_user_segments group by segment_id;
create table marts.fct_segment_metrics as
    select segment_id, metric_name, metric_name as metric_label,
        (segment_id - 1) * 0.5 + length(metric_name) / 100 as difference_sd
    from range(0, {K}) as s(segment_id)
    cross join (values ('click_through_rate'), ('weekday_hours_online'), ('likes_and_reactions'))
        as m(metric_name);
create table marts.fct_segment_interests as
    select s.segment_id, i.interest_name, 1 + ((s.segment_id + i.rn) % 5) / 4 as lift,
        0.2 as share_in_segment
    from range(0, {K}) as s(segment_id)
    cross join (select interest_name, row_number() over (order by interest_name) as rn
        from reference.interest_taxonomy) as i;
create table marts.dim_campaigns as
    select * from (values ('spring', 'Spring fitness'), ('trading', 'Trading sign-ups'))
        as c(campaign_id, campaign_name);
create table marts.fct_campaign_segment_plan as
    select c.campaign_id, s.segment_id, 'USD' as currency_code,
        s.segment_id < 2 as is_targeted,
        case when s.segment_id < 2 then 1000.0 * (s.segment_id + 1) else 0 end as allocated_budget,
        5.0 + s.segment_id as expected_conversions_per_1000_impressions
    from marts.dim_campaigns as c cross join range(0, {K}) as s(segment_id);
create table marts.fct_campaign_audiences as
    select 'spring' as campaign_id, md5(user_id::varchar) as hashed_user_id, segment_id,
        user_id % 10 = 0 as is_holdout
    from marts.fct_user_segments where segment_id < 2;
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("report") / "built.duckdb"
    runner.build(SAMPLE, database, capture=True)
    return database


def stage(built: Path, folder: Path, *scripts: str) -> Path:
    database = folder / "stage.duckdb"
    shutil.copyfile(built, database)
    con = duckdb.connect(str(database))
    try:
        for script in scripts:
            con.execute(script)
    finally:
        con.close()
    return database


@pytest.fixture(scope="module")
def today(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("today")
    return built, report.write_report(built, out / "report")


@pytest.fixture(scope="module")
def segmented(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("segmented")
    database = stage(built, out, SEGMENTATION_MARTS)
    return database, report.write_report(database, out / "report")


@pytest.fixture(scope="module")
def complete(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("complete")
    database = stage(built, out, SEGMENTATION_MARTS, PROFILE_AND_CAMPAIGN_MARTS)
    return database, report.write_report(database, out / "report")


def html_of(result: report.Report) -> str:
    return result.index_path.read_text(encoding="utf-8")


def check_charts(result: report.Report) -> None:
    """Every chart is a valid PNG, referenced by the HTML; every image the HTML shows exists."""
    text = html_of(result)
    sources = re.findall(r'<img src="([^"]+)"', text)
    assert sorted(sources) == sorted(f"charts/{p.name}" for p in result.charts)
    for chart in result.charts:
        data = chart.read_bytes()
        assert data[:8] == PNG_SIGNATURE, chart
        pixels = mpimg.imread(chart)
        assert pixels.shape[0] > 200 and pixels.shape[1] > 400, chart
        assert pixels.std() > 0, f"{chart} is blank"
    for source in sources:
        assert (result.index_path.parent / source).is_file(), source
    assert "http://" not in text and "https://" not in text and "<script" not in text


def table_after(text: str, heading: str) -> list[list[str]]:
    """Rows of the first table after the h3 ``heading``."""
    part = text.split(f"<h3>{heading}</h3>", 1)[1]
    table = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>.*?</tr>", table)]


# ---------------------------------------------------------------------------- today


# The marts each section needs (any one of them), for the build as it is.
SECTION_NEEDS = {
    "segmentation": ("fct_k_selection", "fct_user_segments", "dim_segments"),
    "campaigns": ("fct_campaign_segment_plan",),
}


def marts_in(database: Path) -> set[str]:
    return {row[0] for row in query(database, "select table_name from information_schema.tables")}


def test_built_exploration_live_and_missing_parts_say_so(today):
    database, result = today
    check_charts(result)
    assert {
        "exploration_bands.png",
        "exploration_numeric.png",
        "exploration_top_interests.png",
    } <= {p.name for p in result.charts}
    status = result.status()
    assert status["exploration"] == "live"
    present = marts_in(database)
    text = html_of(result)
    for section, needs in SECTION_NEEDS.items():
        if not present & set(needs):
            assert status[section] == "not available", section
            assert f"<code>{needs[0]}</code>" in text
    if "dim_segmentation_quality" not in present:
        assert "Not available: this database has no <code>dim_segmentation_quality</code>" in text
    else:
        statement = query(database, "select quality_statement from marts.dim_segmentation_quality")[0][0]
        assert html.escape(statement) in text


def test_built_numbers_come_from_the_database(today):
    database, result = today
    text = html_of(result)
    users = query(database, "select count(*) from staging.stg_user_profiles")[0][0]
    rejected = query(database, "select count(*) from staging.stg_user_profiles__rejected")[0][0]
    assert f'<span class="figure" id="valid-users">{users:,}</span>' in text
    assert f'<span class="figure" id="rejected-rows">{rejected:,}</span>' in text
    top = query(
        database,
        "select interest_name, count(distinct user_id) as users from staging.stg_user_interests "
        "group by 1 order by users desc, interest_name limit 10",
    )
    shown = table_after(text, "Top 10 interests")
    assert [(row[0], int(row[1].replace(",", ""))) for row in shown] == top
    ages = query(
        database,
        "select age_band, count(*) from staging.stg_user_profiles p join reference.category_values v "
        "on v.attribute = 'age_band' and v.value = p.age_band group by age_band, sort_order "
        "order by sort_order",
    )
    rows = [r for r in table_after(text, "Age, gender, education and income") if r[0].startswith("Age")]
    assert [(r[1], int(r[2].replace(",", ""))) for r in rows] == ages  # natural band order


def test_report_is_deterministic(built, today, tmp_path):
    _, first = today
    second = report.write_report(built, tmp_path / "again")
    assert html_of(first) == html_of(second)
    for a, b in zip(first.charts, second.charts, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="build it first"):
        report.write_report(tmp_path / "none.duckdb", tmp_path / "out")


# ---------------------------------------------------------------------------- issue 4 shape


def test_segmented_stage_draws_segmentation_from_user_segments(segmented):
    database, result = segmented
    check_charts(result)
    names = {p.name for p in result.charts}
    assert {
        "segmentation_k_selection.png",
        "segmentation_sizes.png",
        "segmentation_profiles.png",
        "segmentation_interest_lift.png",
    } <= names
    status = result.status()
    assert status["quality"] == "live" and status["segmentation"] == "live"
    assert status["campaigns"] == "not available"
    text = html_of(result)
    statement = query(database, "select quality_statement from marts.dim_segmentation_quality")[0][0]
    assert statement == QUALITY_STATEMENT
    # escaped, and before any section
    escaped = "fixture statement &lt;for the report test&gt;."
    assert escaped in text and text.index(escaped) < text.index('id="exploration"')
    sizes = query(database, "select segment_id, count(*) from marts.fct_user_segments group by 1 order by 1")
    shown = table_after(text, "Segment sizes")
    assert [(r[0], int(r[1].replace(",", ""))) for r in shown] == [(f"Segment {sid}", n) for sid, n in sizes]
    k_rows = table_after(text, "Choosing the number of segments")
    assert [r[0] for r in k_rows if r[3] == "yes"] == [str(K)]
    assert "fct_user_segments x fct_user_features" in text  # profile computed from the marts


def test_one_colour_per_segment_in_every_chart(complete):
    _, result = complete
    by_name = {p.name: p for p in result.charts}
    for sid in range(2):  # segments 0 and 1 are targeted by the fixture campaigns
        rgb = tuple(int(report.segment_colour(sid)[i : i + 2], 16) / 255 for i in (1, 3, 5))
        for name in (
            "segmentation_sizes.png",
            "segmentation_interest_lift.png",
            "campaigns_budget.png",
            "campaigns_expected_conversions.png",
        ):
            pixels = mpimg.imread(by_name[name])[..., :3]
            close = (abs(pixels - rgb).max(axis=-1) < 0.01).sum()
            assert close > 50, f"segment {sid}'s colour {report.segment_colour(sid)} not in {name}"


# ---------------------------------------------------------------------------- issue 5 shape


def test_complete_stage_every_section_live(complete):
    database, result = complete
    check_charts(result)
    assert set(result.status().values()) == {"live"}
    assert {p.name for p in result.charts} >= {
        "campaigns_budget.png",
        "campaigns_expected_conversions.png",
    }
    text = html_of(result)
    assert "Not available" not in text
    assert "Read from <code>fct_segment_metrics</code>" in text
    assert "Read from <code>fct_segment_interests</code>" in text
    budget = query(
        database,
        "select c.campaign_name, 'Fixture name ' || p.segment_id, p.allocated_budget "
        "from marts.fct_campaign_segment_plan p join marts.dim_campaigns c using (campaign_id) "
        "where p.allocated_budget > 0 order by p.campaign_id, p.segment_id",
    )
    shown = table_after(text, "Budget allocation")
    assert [(r[0], r[1].split(" · ", 1)[1], float(r[2].replace(",", ""))) for r in shown] == budget
    audiences = query(
        database,
        "select count(*) filter (where not is_holdout), count(*) filter (where is_holdout) "
        "from marts.fct_campaign_audiences",
    )[0]
    assert table_after(text, "Audiences") == [["Spring fitness", f"{audiences[0]:,}", f"{audiences[1]:,}"]]


def test_report_inputs_cover_what_it_reads():
    source = Path(report.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r"""(?:rel|has|has_columns|first_column)\(\s*["']([a-z_]+)["']""", source))
    read -= {"category_values", "interest_taxonomy"}  # seeds, not models
    assert read <= set(report.REPORT_INPUTS), read - set(report.REPORT_INPUTS)
