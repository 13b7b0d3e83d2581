"""A static HTML report with PNG charts, read from the marts of a built database.

``make report`` calls :func:`write_report`.  The report is for the marketer who
wants pictures, not tables: one HTML page (``index.html``) and its charts
(``charts/*.png``), readable offline, with no script and no web font.

Every number and chart comes from a read-only connection to the database.  The
report reads what exists and says plainly what does not: each section (and
each chart in it) is drawn when the marts it needs are in the database and is
replaced by a "not available" note naming the missing models otherwise, so the
report works at every stage of the project.

Sections, in order:

* quality statement, in words (``dim_segmentation_quality``) and the input
  counts (staging);
* exploration: Age, Gender, Education and Income bands in their natural order,
  histograms of the numeric attributes, the top 10 interests (the exploration
  marts ``fct_attribute_distributions``, ``fct_numeric_histograms``,
  ``dim_interests`` when they exist, else computed here from
  ``fct_user_features`` or ``stg_user_profiles`` and ``stg_user_interests``);
* segmentation: the k-selection chart (``fct_k_selection``), segment sizes,
  the profile heatmap of standardised differences per segment, the top
  interests by lift (``dim_segments``, ``fct_segment_metrics``,
  ``fct_segment_interests``, else computed from ``fct_user_segments``);
* campaigns: budget allocation per campaign and segment, expected conversions
  (``fct_campaign_segment_plan``, ``dim_campaigns``, ``fct_campaign_audiences``).

One colour per segment (:func:`segment_colour`) is used in every chart.
"""

from __future__ import annotations

import argparse
import html
import logging
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

log = logging.getLogger(__name__)

# Schemas searched for a relation, in order of preference.
SCHEMAS = ("marts", "intermediate", "staging", "reference")

# Every relation the report may read.  The exposure ``segment_report`` in
# models/exposures.yml must depend on each of these that exists as a model
# (checked by tests/python/test_docs_site.py).
REPORT_INPUTS = (
    "stg_user_profiles",
    "stg_user_profiles__rejected",
    "stg_user_interests",
    "fct_user_features",
    "fct_attribute_distributions",
    "fct_numeric_histograms",
    "dim_interests",
    "fct_user_segments",
    "fct_k_selection",
    "dim_segmentation_model",
    "dim_segmentation_quality",
    "fct_segment_stability",
    "dim_segments",
    "fct_segment_metrics",
    "fct_segment_interests",
    "dim_campaigns",
    "fct_campaign_segment_plan",
    "fct_campaign_audiences",
)

# The four demographic bands of the exploration section: (column, label).
BAND_ATTRIBUTES = (
    ("age_band", "Age band (years)"),
    ("gender", "Gender"),
    ("education_level", "Education level"),
    ("income_band", "Income band (yearly income)"),
)

# Numeric attributes: (column, axis label with unit, is a fraction shown in %).
NUMERIC_ATTRIBUTES = (
    ("likes_and_reactions", "Likes and reactions (count)", False),
    ("followed_accounts", "Followed accounts (count)", False),
    ("weekday_hours_online", "Time online on a weekday (hours/day)", False),
    ("weekend_hours_online", "Time online on a weekend day (hours/day)", False),
    ("click_through_rate", "Click-through rate (% of impressions)", True),
    ("conversion_rate", "Conversion rate (% of clicks)", True),
    ("ad_interaction_seconds", "Ad interaction time (seconds)", False),
)

# Metrics of the profile heatmap when it is computed here (no fct_segment_metrics).
PROFILE_METRICS = (
    ("likes_and_reactions", "likes and reactions"),
    ("followed_accounts", "followed accounts"),
    ("weekday_hours_online", "weekday hours online"),
    ("weekend_hours_online", "weekend hours online"),
    ("weekly_hours_online", "weekly hours online"),
    ("weekend_share_of_time", "weekend share of time"),
    ("click_through_rate", "click-through rate"),
    ("conversion_rate", "conversion rate"),
    ("expected_conversions_per_impression", "expected conversions per impression"),
    ("ad_interaction_seconds", "ad interaction seconds"),
    ("likes_per_followed_account", "likes per followed account"),
    ("interest_count", "interest count"),
    ("engagement_score", "engagement score"),
    ("age_midpoint_years", "age (band midpoint)"),
    ("income_midpoint", "income (band midpoint)"),
)

HISTOGRAM_BINS = 20
# Columns with at most this many distinct values get one bar per value.
MAX_DISTINCT_BARS = 80
TOP_INTERESTS = 10
TOP_INTERESTS_PER_SEGMENT = 5

# Okabe-Ito colour-blind safe colours first, then further distinct ones.
SEGMENT_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#17BECF",
    "#BCBD22",
)
NEUTRAL_COLOUR = "#4C72B0"
CHOSEN_COLOUR = "#D55E00"
DPI = 100
# PNGs carry no software version, so the same data gives the same bytes.
PNG_METADATA = {"Software": None}


def segment_colour(segment_id: int) -> str:
    """The one colour of a segment, the same in every chart."""
    return SEGMENT_COLOURS[int(segment_id) % len(SEGMENT_COLOURS)]


# --------------------------------------------------------------------------- data access


class Marts:
    """Read-only access to the relations of a built database, by name."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.con = connection
        rows = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        found: dict[str, list[str]] = {}
        for schema, name in rows:
            found.setdefault(name, []).append(schema)
        self._schema: dict[str, str] = {}
        for name, schemas in found.items():
            ranked = sorted(schemas, key=lambda s: SCHEMAS.index(s) if s in SCHEMAS else 99)
            self._schema[name] = ranked[0]
        self._columns: dict[str, list[str]] = {}

    def has(self, *names: str) -> bool:
        return all(name in self._schema for name in names)

    def missing(self, *names: str) -> list[str]:
        return [name for name in names if name not in self._schema]

    def rel(self, name: str) -> str:
        """The quoted ``schema.table`` of a relation."""
        return f'"{self._schema[name]}"."{name}"'

    def columns(self, name: str) -> list[str]:
        if name not in self._columns:
            rows = self.con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [self._schema[name], name],
            ).fetchall()
            self._columns[name] = [row[0] for row in rows]
        return self._columns[name]

    def has_columns(self, name: str, *columns: str) -> bool:
        return self.has(name) and all(c in self.columns(name) for c in columns)

    def first_column(self, name: str, candidates: Sequence[str]) -> str | None:
        """The first of ``candidates`` that ``name`` has, else None."""
        if not self.has(name):
            return None
        present = self.columns(name)
        return next((c for c in candidates if c in present), None)

    def rows(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        return self.con.execute(sql, list(params or [])).fetchall()

    def scalar(self, sql: str, params: Sequence | None = None):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None


# --------------------------------------------------------------------------- report model


@dataclass
class Chart:
    """One PNG chart and what it shows."""

    file_name: str
    title: str
    caption: str


@dataclass
class Block:
    """A part of a section: a chart, a table, text, or a 'not available' note."""

    heading: str
    chart: Chart | None = None
    paragraphs: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    unavailable: str | None = None


@dataclass
class Section:
    key: str
    title: str
    intro: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def is_available(self) -> bool:
        return any(block.unavailable is None for block in self.blocks)


@dataclass
class Report:
    index_path: Path
    charts: list[Path]
    sections: list[Section]

    def status(self) -> dict[str, str]:
        """Section key -> 'live', 'partial' or 'not available'."""
        result = {}
        for section in self.sections:
            live = [b.unavailable is None for b in section.blocks]
            result[section.key] = "live" if all(live) else "partial" if any(live) else "not available"
        return result


def not_available(heading: str, missing: Sequence[str], issue: str) -> Block:
    names = ", ".join(f"<code>{html.escape(m)}</code>" for m in missing)
    return Block(
        heading=heading,
        unavailable=f"Not available: this database has no {names} yet ({issue}).",
    )


class ChartWriter:
    """Saves figures as PNG files in one folder and remembers them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def save(self, figure: Figure, file_name: str, title: str, caption: str) -> Chart:
        path = self.folder / file_name
        figure.savefig(path, dpi=DPI, format="png", metadata=PNG_METADATA)
        self.written.append(path)
        return Chart(file_name=f"{self.folder.name}/{file_name}", title=title, caption=caption)


def fmt_int(value: float | int) -> str:
    return f"{int(value):,}"


def fmt_share(value: float) -> str:
    return f"{100 * value:.1f} %"


# --------------------------------------------------------------------------- segments


@dataclass(frozen=True)
class SegmentInfo:
    segment_id: int
    label: str
    size: int
    share: float


def segments(marts: Marts) -> list[SegmentInfo]:
    """Segments with a label, size and share: from dim_segments, else fct_user_segments."""
    if marts.has_columns("dim_segments", "segment_id"):
        size_col = marts.first_column("dim_segments", ("segment_size", "segment_users", "users"))
        name_col = marts.first_column("dim_segments", ("segment_name",))
        size_sql = f"cast({size_col} as bigint)" if size_col else "cast(null as bigint)"
        name_sql = name_col or "cast(null as varchar)"
        rows = marts.rows(
            f"select segment_id, {name_sql}, {size_sql} from {marts.rel('dim_segments')} order by segment_id"
        )
        if size_col is None and marts.has("fct_user_segments"):
            counts = dict(
                marts.rows(f"select segment_id, count(*) from {marts.rel('fct_user_segments')} group by 1")
            )
            rows = [(sid, name, counts.get(sid, 0)) for sid, name, _ in rows]
    elif marts.has_columns("fct_user_segments", "segment_id"):
        rows = marts.rows(
            f"select segment_id, null, count(*) from {marts.rel('fct_user_segments')} "
            "group by segment_id order by segment_id"
        )
    else:
        return []
    total = sum(int(size or 0) for _, _, size in rows) or 1
    result = []
    for segment_id, name, size in rows:
        label = f"{segment_id} · {name}" if name else f"Segment {segment_id}"
        result.append(SegmentInfo(int(segment_id), label, int(size or 0), int(size or 0) / total))
    return result


def segment_legend(infos: Sequence[SegmentInfo]) -> list[Patch]:
    return [Patch(color=segment_colour(s.segment_id), label=s.label) for s in infos]


# --------------------------------------------------------------------------- quality


def quality_section(marts: Marts) -> Section:
    section = Section(
        key="quality",
        title="How good are the segments?",
        intro="The segmentation's own statement of how strong and how stable its segments are.",
    )
    users_block = Block(heading="Input")
    if marts.has("stg_user_profiles"):
        users = marts.scalar(f"select count(*) from {marts.rel('stg_user_profiles')}")
        text = f'<span class="figure" id="valid-users">{fmt_int(users)}</span> valid users'
        if marts.has("stg_user_profiles__rejected"):
            rejected = marts.scalar(f"select count(*) from {marts.rel('stg_user_profiles__rejected')}")
            text += (
                f', <span class="figure" id="rejected-rows">{fmt_int(rejected)}</span> '
                "input rows rejected (see <code>staging.stg_user_profiles__rejected</code>)"
            )
        users_block.paragraphs.append(text + ".")
    else:
        users_block = not_available("Input", ["stg_user_profiles"], "issue 2")
    section.blocks.append(users_block)

    column = marts.first_column(
        "dim_segmentation_quality", ("quality_statement", "statement", "quality_text")
    )
    if column is None:
        column = marts.first_column("dim_segmentation_model", ("quality_statement",))
        relation = "dim_segmentation_model" if column else None
    else:
        relation = "dim_segmentation_quality"
    if relation is None:
        section.blocks.append(not_available("Quality statement", ["dim_segmentation_quality"], "issue 4"))
        return section
    statement = marts.scalar(f"select {column} from {marts.rel(relation)} limit 1")
    block = Block(heading="Quality statement")
    block.paragraphs.append(
        f'<span class="statement" id="quality-statement">{html.escape(str(statement))}</span>'
    )
    if marts.has("fct_segment_stability"):
        label_col = marts.first_column("fct_segment_stability", ("stability_label",))
        jaccard_col = marts.first_column("fct_segment_stability", ("jaccard_mean",))
        if label_col and jaccard_col:
            infos = {s.segment_id: s.label for s in segments(marts)}
            rows = marts.rows(
                f"select segment_id, {jaccard_col}, {label_col} "
                f"from {marts.rel('fct_segment_stability')} order by segment_id"
            )
            block.table = (
                ["segment", "mean bootstrap Jaccard", "stability"],
                [
                    [infos.get(int(sid), f"Segment {sid}"), f"{jac:.2f}", str(label)]
                    for sid, jac, label in rows
                ],
            )
    section.blocks.append(block)
    return section


# --------------------------------------------------------------------------- exploration


def band_order(marts: Marts, attribute: str) -> list[str]:
    if not marts.has_columns("category_values", "attribute", "value", "sort_order"):
        return []
    rows = marts.rows(
        f"select value from {marts.rel('category_values')} where attribute = ? order by sort_order, value",
        [attribute],
    )
    return [row[0] for row in rows]


def user_table(marts: Marts) -> str | None:
    """The per-user table the exploration reads: the feature mart, else staging."""
    for name in ("fct_user_features", "stg_user_profiles"):
        if marts.has_columns(name, *[c for c, _ in BAND_ATTRIBUTES]):
            return name
    return None


def histogram(marts: Marts, table: str, column: str, bins: int) -> list[tuple[float, float, int]]:
    """Users per bin, counted in SQL: (lower, upper, users).

    A column with few distinct values (hours to one decimal) gets one bar per
    value, so that bins never hold unequal numbers of possible values; a column
    of whole numbers gets equal-width bins over [min, max + 1), a bin count that
    divides the range evenly when there is one near ``bins``; anything else
    equal-width bins over [min, max].
    """
    rel = marts.rel(table)
    low, high, distinct, whole = marts.rows(
        f"select min({column})::double, max({column})::double, count(distinct {column}), "
        f"coalesce(bool_and({column} = round({column})), false) "
        f"from {rel} where {column} is not null"
    )[0]
    if low is None:
        return []
    if distinct <= MAX_DISTINCT_BARS:
        rows = marts.rows(
            f"select {column}::double, count(*) from {rel} where {column} is not null group by 1 order by 1"
        )
        values = [r[0] for r in rows]
        gaps = [b - a for a, b in zip(values, values[1:], strict=False)]
        width = min(gaps) if gaps else 1.0
        return [(v - width / 2, v + width / 2, int(n)) for v, n in rows]
    if whole:
        # Whole numbers low..high: prefer a bin count that divides them evenly.
        values = int(high - low) + 1
        even = [b for b in range(bins // 2, 2 * bins + 1) if values % b == 0]
        if even:
            bins = min(even, key=lambda b: (abs(b - bins), b))
        width = values / bins
    else:
        width = (high - low) / bins
    counts = dict(
        marts.rows(
            f"select least(cast(floor(({column} - ?) / ?) as integer), ?) as bin, count(*) "
            f"from {rel} where {column} is not null group by bin",
            [low, width, bins - 1],
        )
    )
    return [(low + i * width, low + (i + 1) * width, int(counts.get(i, 0))) for i in range(bins)]


def mart_histogram(marts: Marts, column: str) -> list[tuple[float, float, int]]:
    """The bins of ``column`` in the exploration mart ``fct_numeric_histograms``, if any."""
    name = "fct_numeric_histograms"
    if not marts.has_columns(name, "attribute", "bin_lower_value", "bin_upper_value", "users"):
        return []
    order = marts.first_column(name, ("bin_number",)) or "bin_lower_value"
    rows = marts.rows(
        f"select bin_lower_value::double, bin_upper_value::double, users from {marts.rel(name)} "
        f"where attribute = ? order by {order}",
        [column],
    )
    return [(low, high, int(users)) for low, high, users in rows]


def exploration_section(marts: Marts, charts: ChartWriter) -> Section:
    section = Section(
        key="exploration",
        title="Who are the users?",
        intro="Distributions of the valid users' attributes, before any segmentation.",
    )
    table = user_table(marts)
    if table is None:
        section.blocks.append(
            not_available("Bands", ["fct_user_features", "stg_user_profiles"], "issues 2 and 3")
        )
        return section
    rel = marts.rel(table)
    total = marts.scalar(f"select count(*) from {rel}")

    # ---- bands
    figure = Figure(figsize=(12, 8), layout="constrained")
    axes = figure.subplots(2, 2)
    table_rows = []
    distributions = "fct_attribute_distributions"
    use_distributions = marts.has_columns(distributions, "attribute", "value", "value_order", "users")
    for ax, (column, label) in zip(axes.flat, BAND_ATTRIBUTES, strict=True):
        if use_distributions:
            rows = marts.rows(
                f"select value, users from {marts.rel(distributions)} where attribute = ? "
                "order by value_order, value",
                [column],
            )
            counts = {value: int(users) for value, users in rows}
            order = [value for value, _ in rows]
        else:
            counts = dict(marts.rows(f"select {column}, count(*) from {rel} group by 1"))
            order = band_order(marts, column)
        values = [v for v in order if v in counts] + sorted(
            v for v in counts if v not in order and v is not None
        )
        heights = [counts[v] for v in values]
        bars = ax.bar(values, heights, color=NEUTRAL_COLOUR)
        ax.bar_label(bars, labels=[fmt_share(h / total) for h in heights], fontsize=8)
        ax.set_title(label)
        ax.set_xlabel(label)
        ax.set_ylabel("users")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.margins(y=0.12)
        ax.tick_params(axis="x", labelrotation=20 if len(values) > 4 else 0)
        for value, height in zip(values, heights, strict=True):
            table_rows.append([label, str(value), fmt_int(height), fmt_share(height / total)])
    figure.suptitle(f"Users by band ({fmt_int(total)} users; bars labelled with their share)")
    chart = charts.save(
        figure,
        "exploration_bands.png",
        "Users by age, gender, education and income band",
        "Bands in their natural order (youngest and lowest income first).",
    )
    section.blocks.append(
        Block(
            heading="Age, gender, education and income",
            chart=chart,
            paragraphs=[
                f"Read from <code>{distributions if use_distributions else table}</code>: "
                f'<span class="figure" id="exploration-users">{fmt_int(total)}</span> users.'
            ],
            table=(["attribute", "value", "users", "share of users"], table_rows),
        )
    )

    # ---- numeric histograms
    numeric = [a for a in NUMERIC_ATTRIBUTES if a[0] in marts.columns(table)]
    if numeric:
        ncols = 4
        nrows = math.ceil(len(numeric) / ncols)
        figure = Figure(figsize=(16, 4 * nrows), layout="constrained")
        axes = figure.subplots(nrows, ncols, squeeze=False)
        summary = []
        for ax, (column, label, is_fraction) in zip(axes.flat, numeric, strict=False):
            bins = mart_histogram(marts, column) or histogram(marts, table, column, HISTOGRAM_BINS)
            lefts = [b[0] for b in bins]
            widths = [(b[1] - b[0]) or 1.0 for b in bins]
            ax.bar(
                lefts, [b[2] for b in bins], width=widths, align="edge", color=NEUTRAL_COLOUR,
                edgecolor="white", linewidth=0.4,
            )  # fmt: skip
            ax.set_title(label.split(" (")[0])
            ax.set_xlabel(label)
            ax.set_ylabel("users")
            if is_fraction:
                ax.xaxis.set_major_formatter(PercentFormatter(1.0))
            stats = marts.rows(
                f"select avg({column}), median({column}), min({column}), max({column}) from {rel}"
            )[0]
            shown = (lambda v: f"{100 * v:.2f} %") if is_fraction else (lambda v: f"{v:,.2f}")
            summary.append([label, *[shown(float(v)) for v in stats]])
        for ax in list(axes.flat)[len(numeric) :]:
            ax.set_visible(False)
        figure.suptitle("Numeric attributes (users per value, or per bin of equal width)")
        chart = charts.save(
            figure,
            "exploration_numeric.png",
            "Histograms of the numeric attributes",
            "Users per equal-width bin between each attribute's minimum and maximum.",
        )
        section.blocks.append(
            Block(
                heading="Numeric attributes",
                chart=chart,
                table=(["attribute", "mean", "median", "min", "max"], summary),
            )
        )

    # ---- top interests
    if marts.has_columns("dim_interests", "interest_name", "users"):
        rows = marts.rows(
            f"select interest_name, users from {marts.rel('dim_interests')} "
            f"order by users desc, interest_name limit {TOP_INTERESTS}"
        )
    elif marts.has_columns("stg_user_interests", "user_id", "interest_name"):
        rows = marts.rows(
            f"select interest_name, count(distinct user_id) as users "
            f"from {marts.rel('stg_user_interests')} group by 1 "
            f"order by users desc, interest_name limit {TOP_INTERESTS}"
        )
    else:
        rows = []
    if rows:
        figure = Figure(figsize=(10, 5.5), layout="constrained")
        ax = figure.subplots()
        names = [r[0] for r in rows][::-1]
        values = [r[1] for r in rows][::-1]
        bars = ax.barh(names, values, color=NEUTRAL_COLOUR)
        ax.bar_label(bars, labels=[fmt_share(v / total) for v in values], fontsize=8, padding=2)
        ax.set_title(f"Top {len(rows)} interests")
        ax.set_xlabel("users who list the interest")
        ax.set_ylabel("interest")
        ax.margins(x=0.1)
        chart = charts.save(
            figure,
            "exploration_top_interests.png",
            f"Top {len(rows)} interests",
            "Users who list each interest among their top interests; labels show the share of all users.",
        )
        section.blocks.append(
            Block(
                heading=f"Top {len(rows)} interests",
                chart=chart,
                table=(
                    ["interest", "users", "share of users"],
                    [[n, fmt_int(v), fmt_share(v / total)] for n, v in rows],
                ),
            )
        )
    else:
        section.blocks.append(
            not_available("Top interests", ["dim_interests", "stg_user_interests"], "issues 2 and 3")
        )
    return section


# --------------------------------------------------------------------------- segmentation


def k_selection_block(marts: Marts, charts: ChartWriter) -> Block:
    heading = "Choosing the number of segments"
    if not marts.has_columns("fct_k_selection", "k"):
        return not_available(heading, ["fct_k_selection"], "issue 4")
    silhouette = marts.first_column("fct_k_selection", ("silhouette", "silhouette_mean"))
    stability = marts.first_column(
        "fct_k_selection", ("stability_ari_mean", "stability", "stability_mean", "jaccard_mean")
    )
    spread = marts.first_column("fct_k_selection", ("stability_ari_sd", "stability_sd"))
    chosen = marts.first_column("fct_k_selection", ("is_chosen",))
    figures = (silhouette, stability, spread)
    cols = ", ".join(
        [*(f"{c}::double" if c else "null" for c in figures), f"{chosen}::boolean" if chosen else "null"]
    )
    rows = marts.rows(f"select k, {cols} from {marts.rel('fct_k_selection')} order by k")
    ks = [int(r[0]) for r in rows]
    chosen_k = next((int(r[0]) for r in rows if r[4]), None)
    if chosen_k is None and marts.has_columns("dim_segmentation_model", "k"):
        chosen_k = int(marts.scalar(f"select k from {marts.rel('dim_segmentation_model')}"))

    figure = Figure(figsize=(10, 5), layout="constrained")
    ax = figure.subplots()
    handles = []
    if stability:
        values = [r[2] for r in rows]
        errors = [r[3] or 0 for r in rows] if spread else None
        handle = ax.errorbar(
            ks, values, yerr=errors, marker="o", color="#0072B2", capsize=3,
            label="stability (mean adjusted Rand index over bootstrap resamples)",
        )  # fmt: skip
        handles.append(handle)
    if silhouette:
        handle = ax.plot(ks, [r[1] for r in rows], marker="s", color="#009E73", label="silhouette (mean)")[0]
        handles.append(handle)
    if chosen_k is not None:
        handles.append(
            ax.axvline(chosen_k, color=CHOSEN_COLOUR, linestyle="--", label=f"chosen k = {chosen_k}")
        )
    ax.set_xticks(ks)
    ax.set_xlabel("number of segments k")
    ax.set_ylabel("score (higher is better; both range up to 1)")
    ax.set_title("Stability and silhouette by number of segments")
    ax.legend(handles=handles, loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    chart = charts.save(
        figure,
        "segmentation_k_selection.png",
        "Stability and silhouette by k",
        "Each candidate k was fitted and scored; the dashed line marks the chosen k.",
    )
    header = ["k", "silhouette", "stability (mean ARI)", "chosen"]
    body = [
        [
            str(r[0]),
            "-" if r[1] is None else f"{r[1]:.3f}",
            "-" if r[2] is None else f"{r[2]:.3f}",
            "yes" if int(r[0]) == chosen_k else "",
        ]
        for r in rows
    ]
    block = Block(heading=heading, chart=chart, table=(header, body))
    reason = marts.first_column("dim_segmentation_model", ("selection_reason",))
    if reason:
        text = marts.scalar(f"select {reason} from {marts.rel('dim_segmentation_model')}")
        block.paragraphs.append(html.escape(str(text)))
    return block


def sizes_block(infos: Sequence[SegmentInfo], charts: ChartWriter) -> Block:
    figure = Figure(figsize=(10, 0.6 * len(infos) + 1.8), layout="constrained")
    ax = figure.subplots()
    labels = [s.label for s in infos][::-1]
    values = [s.size for s in infos][::-1]
    colours = [segment_colour(s.segment_id) for s in infos][::-1]
    bars = ax.barh(labels, values, color=colours)
    ax.bar_label(bars, labels=[fmt_share(s.share) for s in infos][::-1], fontsize=8, padding=2)
    ax.set_title("Segment sizes")
    ax.set_xlabel("users")
    ax.set_ylabel("segment")
    ax.margins(x=0.12)
    chart = charts.save(
        figure, "segmentation_sizes.png", "Segment sizes", "Users per segment and share of all."
    )
    return Block(
        heading="Segment sizes",
        chart=chart,
        table=(
            ["segment", "users", "share of users"],
            [[s.label, fmt_int(s.size), fmt_share(s.share)] for s in infos],
        ),
    )


def profile_values(marts: Marts) -> tuple[list[str], dict[tuple[int, str], float], str] | None:
    """(metric labels, {(segment_id, label): standardised difference}, source) or None."""
    if marts.has_columns("fct_segment_metrics", "segment_id", "difference_sd"):
        label_col = marts.first_column("fct_segment_metrics", ("metric_label", "metric_name"))
        rows = marts.rows(
            f"select segment_id, {label_col}, difference_sd::double "
            f"from {marts.rel('fct_segment_metrics')} order by metric_name, segment_id"
        )
        labels = list(dict.fromkeys(r[1] for r in rows))
        return labels, {(int(r[0]), r[1]): r[2] for r in rows}, "fct_segment_metrics"
    if marts.has_columns("fct_user_segments", "user_id", "segment_id") and marts.has("fct_user_features"):
        present = marts.columns("fct_user_features")
        metrics = [(c, label) for c, label in PROFILE_METRICS if c in present]
        if not metrics:
            return None
        selects = ",\n".join(
            f"((avg(f.{c}) - any_value(p.{c}_mean)) / nullif(any_value(p.{c}_sd), 0))::double"
            for c, _ in metrics
        )
        population = ", ".join(f"avg({c}) as {c}_mean, stddev_pop({c}) as {c}_sd" for c, _ in metrics)
        features = marts.rel("fct_user_features")
        rows = marts.rows(
            f"with p as (select {population} from {features}) "
            f"select s.segment_id, {selects} from {marts.rel('fct_user_segments')} as s "
            f"join {features} as f using (user_id) cross join p "
            "group by s.segment_id order by s.segment_id"
        )
        values = {}
        for row in rows:
            for (_, label), value in zip(metrics, row[1:], strict=True):
                values[(int(row[0]), label)] = value
        return [label for _, label in metrics], values, "fct_user_segments x fct_user_features"
    return None


def profile_block(marts: Marts, infos: Sequence[SegmentInfo], charts: ChartWriter) -> Block:
    heading = "Segment profiles"
    found = profile_values(marts)
    if found is None:
        return not_available(
            heading, ["fct_segment_metrics", "fct_user_segments + fct_user_features"], "issues 3-5"
        )
    labels, values, source = found
    matrix = [
        [values.get((s.segment_id, label)) for label in labels] for s in infos
    ]  # fmt: skip
    finite = [abs(v) for row in matrix for v in row if v is not None and math.isfinite(v)]
    limit = max(finite + [0.5])
    figure = Figure(figsize=(max(8, 0.75 * len(labels) + 3), 0.55 * len(infos) + 3.2))
    figure.set_layout_engine("constrained")
    ax = figure.subplots()
    data = [[math.nan if v is None else v for v in row] for row in matrix]
    image = ax.imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for i, row in enumerate(data):
        for j, v in enumerate(row):
            if math.isfinite(v):
                colour = "white" if abs(v) > 0.6 * limit else "black"
                ax.text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right")
    ax.set_yticks(range(len(infos)), [s.label for s in infos])
    for tick, s in zip(ax.get_yticklabels(), infos, strict=True):
        tick.set_color(segment_colour(s.segment_id))
        tick.set_fontweight("bold")
    ax.set_xlabel("metric")
    ax.set_ylabel("segment")
    ax.set_title("How each segment differs from all users")
    figure.colorbar(
        image, ax=ax, label="difference from all users (SD)"
    )  # fmt: skip
    chart = charts.save(
        figure,
        "segmentation_profiles.png",
        "Segment profiles (standardised differences)",
        "Red: the segment is above the average user; blue: below; in standard deviations of all users.",
    )
    return Block(heading=heading, chart=chart, paragraphs=[f"Read from <code>{source}</code>."])


def interest_lifts(marts: Marts) -> tuple[list[tuple[int, str, float, float]], str] | None:
    """(segment_id, interest, lift, share in segment) rows and their source, or None."""
    if marts.has_columns("fct_segment_interests", "segment_id", "interest_name", "lift"):
        share = marts.first_column("fct_segment_interests", ("share_in_segment",)) or "null"
        rows = marts.rows(
            f"select segment_id, interest_name, lift::double, {share}::double "
            f"from {marts.rel('fct_segment_interests')} order by segment_id, interest_name"
        )
        return rows, "fct_segment_interests"
    if marts.has_columns("fct_user_segments", "user_id", "segment_id") and marts.has_columns(
        "stg_user_interests", "user_id", "interest_name"
    ):
        seg = marts.rel("fct_user_segments")
        rows = marts.rows(
            f"""
            with sizes as (
                select segment_id, count(*) as users, sum(count(*)) over () as all_users
                from {seg} group by segment_id
            ),
            listed as (
                select s.segment_id, i.interest_name, count(distinct i.user_id) as users
                from {seg} as s join {marts.rel("stg_user_interests")} as i using (user_id)
                group by all
            ),
            overall as (
                select interest_name, sum(users) as users from listed group by interest_name
            )
            select
                l.segment_id,
                l.interest_name,
                ((l.users / z.users) / (o.users / z.all_users))::double as lift,
                (l.users / z.users)::double as share_in_segment,
            from listed as l
            join sizes as z using (segment_id)
            join overall as o using (interest_name)
            order by l.segment_id, l.interest_name
            """
        )
        return rows, "fct_user_segments x stg_user_interests"
    return None


def lift_block(marts: Marts, infos: Sequence[SegmentInfo], charts: ChartWriter) -> Block:
    heading = "Top interests by lift"
    found = interest_lifts(marts)
    if found is None:
        return not_available(heading, ["fct_segment_interests", "fct_user_segments"], "issue 4/5")
    rows, source = found
    by_segment: dict[int, list[tuple[str, float, float]]] = {}
    for sid, name, lift, share in rows:
        if lift is not None:
            by_segment.setdefault(int(sid), []).append((name, float(lift), share))
    ncols = min(3, max(1, len(infos)))
    nrows = math.ceil(len(infos) / ncols)
    figure = Figure(figsize=(5 * ncols, 3 * nrows + 0.8), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False)
    table_rows = []
    for ax, info in zip(axes.flat, infos, strict=False):
        top = sorted(by_segment.get(info.segment_id, []), key=lambda r: (-r[1], r[0]))
        top = top[:TOP_INTERESTS_PER_SEGMENT]
        names = [r[0] for r in top][::-1]
        lifts = [r[1] for r in top][::-1]
        ax.barh(names, lifts, color=segment_colour(info.segment_id))
        ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
        ax.set_title(info.label, color=segment_colour(info.segment_id), fontsize=10)
        ax.set_xlabel("lift (share in segment / share of all users)")
        for name, lift, share in top:
            shown = "-" if share is None else fmt_share(float(share))
            table_rows.append([info.label, name, f"{lift:.2f}", shown])
    for ax in list(axes.flat)[len(infos) :]:
        ax.set_visible(False)
    figure.suptitle(
        f"Top {TOP_INTERESTS_PER_SEGMENT} interests per segment by lift (1 = as common as overall)"
    )
    chart = charts.save(
        figure,
        "segmentation_interest_lift.png",
        "Top interests by lift",
        "A lift of 1.5 means the interest is 1.5 times as common in the segment as overall.",
    )
    return Block(
        heading=heading,
        chart=chart,
        paragraphs=[f"Read from <code>{source}</code>."],
        table=(["segment", "interest", "lift", "share of the segment"], table_rows),
    )


def segmentation_section(marts: Marts, charts: ChartWriter) -> Section:
    section = Section(
        key="segmentation",
        title="The segments",
        intro="How many segments, how big, and what sets each apart. Each segment keeps its "
        "colour in every chart.",
    )
    section.blocks.append(k_selection_block(marts, charts))
    infos = segments(marts)
    if not infos:
        for heading in ("Segment sizes", "Segment profiles", "Top interests by lift"):
            section.blocks.append(
                not_available(heading, ["fct_user_segments", "dim_segments"], "issues 4 and 5")
            )
        return section
    section.blocks.append(sizes_block(infos, charts))
    section.blocks.append(profile_block(marts, infos, charts))
    section.blocks.append(lift_block(marts, infos, charts))
    return section


# --------------------------------------------------------------------------- campaigns


def campaign_names(marts: Marts) -> dict[str, str]:
    if marts.has_columns("dim_campaigns", "campaign_id", "campaign_name"):
        return dict(marts.rows(f"select campaign_id, campaign_name from {marts.rel('dim_campaigns')}"))
    return {}


def campaigns_section(marts: Marts, charts: ChartWriter) -> Section:
    section = Section(
        key="campaigns",
        title="Campaigns",
        intro="How each campaign's budget is split over the segments, and what it should bring.",
    )
    plan = "fct_campaign_segment_plan"
    if not marts.has_columns(plan, "campaign_id", "segment_id", "allocated_budget"):
        for heading in ("Budget allocation", "Expected conversions"):
            section.blocks.append(not_available(heading, [plan], "issue 5"))
        return section
    infos = segments(marts)
    labels = {s.segment_id: s.label for s in infos}
    names = campaign_names(marts)
    currency = marts.first_column(plan, ("currency_code",))
    currency_code = (
        marts.scalar(f"select min({currency}) from {marts.rel(plan)}") if currency else None
    ) or "budget units"
    rows = marts.rows(
        f"select campaign_id, segment_id, allocated_budget from {marts.rel(plan)} "
        "order by campaign_id, segment_id"
    )
    campaigns = list(dict.fromkeys(r[0] for r in rows))
    segment_ids = sorted({int(r[1]) for r in rows})
    budget = {(r[0], int(r[1])): float(r[2] or 0) for r in rows}

    # ---- budget allocation (stacked bars)
    figure = Figure(figsize=(11, 0.7 * len(campaigns) + 2.5), layout="constrained")
    ax = figure.subplots()
    campaign_labels = [names.get(c, c) for c in campaigns]
    left = [0.0] * len(campaigns)
    for sid in segment_ids:
        widths = [budget.get((c, sid), 0.0) for c in campaigns]
        if not any(widths):
            continue  # a segment no campaign targets gets no legend entry
        ax.barh(
            campaign_labels, widths, left=left, color=segment_colour(sid),
            label=labels.get(sid, f"Segment {sid}"),
        )  # fmt: skip
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.invert_yaxis()
    ax.set_title("Budget allocation per campaign and segment")
    ax.set_xlabel(f"allocated budget ({currency_code})")
    ax.set_ylabel("campaign")
    ax.xaxis.set_major_formatter(lambda value, _pos: f"{value:,.0f}")
    ax.legend(title="segment", fontsize=8, loc="lower right")
    chart = charts.save(
        figure,
        "campaigns_budget.png",
        "Budget allocation per campaign and segment",
        "Each bar is one campaign's budget, split by the segments it targets.",
    )
    table_rows = [
        [names.get(c, c), labels.get(s, f"Segment {s}"), f"{budget[(c, s)]:,.2f}"]
        for c in campaigns
        for s in segment_ids
        if budget.get((c, s), 0) > 0
    ]
    section.blocks.append(
        Block(
            heading="Budget allocation",
            chart=chart,
            table=(["campaign", "segment", f"allocated budget ({currency_code})"], table_rows),
        )
    )

    # ---- expected conversions
    absolute = marts.first_column(plan, ("expected_conversions",))
    per_thousand = marts.first_column(plan, ("expected_conversions_per_1000_impressions",))
    measure = absolute or per_thousand
    if measure is None:
        section.blocks.append(
            not_available("Expected conversions", [f"{plan}.expected_conversions"], "issue 5")
        )
    else:
        targeted = marts.first_column(plan, ("is_targeted",))
        where = f"where {targeted}" if targeted else "where allocated_budget > 0"
        values = {
            (r[0], int(r[1])): float(r[2] or 0)
            for r in marts.rows(f"select campaign_id, segment_id, {measure} from {marts.rel(plan)} {where}")
        }
        unit = "expected conversions" if absolute else "expected conversions per 1,000 impressions"
        figure = Figure(figsize=(11, 0.9 * len(campaigns) + 2.5), layout="constrained")
        ax = figure.subplots()
        height = 0.8 / max(1, len(segment_ids))
        for k, sid in enumerate(segment_ids):
            ys = [i - 0.4 + (k + 0.5) * height for i in range(len(campaigns))]
            xs = [values.get((c, sid), 0.0) for c in campaigns]
            ax.barh(
                ys, xs, height=height, color=segment_colour(sid),
                label=labels.get(sid, f"Segment {sid}"),
            )  # fmt: skip
        ax.set_yticks(range(len(campaigns)), campaign_labels)
        ax.invert_yaxis()
        ax.set_title("Expected conversions of the targeted segments")
        ax.set_xlabel(unit)
        ax.set_ylabel("campaign")
        ax.legend(title="segment", fontsize=8, loc="lower right")
        chart = charts.save(
            figure,
            "campaigns_expected_conversions.png",
            "Expected conversions",
            f"{unit[0].upper()}{unit[1:]}, per campaign and targeted segment.",
        )
        section.blocks.append(
            Block(
                heading="Expected conversions",
                chart=chart,
                table=(
                    ["campaign", "segment", unit],
                    [
                        [names.get(c, c), labels.get(s, f"Segment {s}"), f"{values[(c, s)]:,.2f}"]
                        for c in campaigns
                        for s in segment_ids
                        if (c, s) in values
                    ],
                ),
            )
        )

    # ---- audiences
    audiences = "fct_campaign_audiences"
    if marts.has_columns(audiences, "campaign_id", "is_holdout"):
        rows = marts.rows(
            f"select campaign_id, count(*) filter (where not is_holdout), "
            f"count(*) filter (where is_holdout) from {marts.rel(audiences)} "
            "group by 1 order by 1"
        )
        section.blocks.append(
            Block(
                heading="Audiences",
                paragraphs=["Users in each campaign's exported audience and in its holdout."],
                table=(
                    ["campaign", "audience users", "holdout users"],
                    [[names.get(c, c), fmt_int(a), fmt_int(h)] for c, a, h in rows],
                ),
            )
        )
    return section


# --------------------------------------------------------------------------- HTML

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 72em;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em;
margin-top: 2em; }
.meta { color: #666; } .statement { font-size: 1.15em; }
.unavailable { background: #fff4e5; border-left: 4px solid #E69F00; padding: 0.6em 1em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
td.num { text-align: right; } details summary { cursor: pointer; color: #0072B2; }
nav a { margin-right: 1em; }
"""


def render_table(header: list[str], body: list[list[str]]) -> str:
    def cell(value: str) -> str:
        numeric = value.replace(",", "").replace(" %", "").replace(".", "", 1).lstrip("+-")
        klass = ' class="num"' if numeric.isdigit() else ""
        return f"<td{klass}>{html.escape(value)}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "\n".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in body)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def render_block(block: Block) -> str:
    parts = [f"<h3>{html.escape(block.heading)}</h3>"]
    if block.unavailable:
        parts.append(f'<p class="unavailable">{block.unavailable}</p>')
        return "\n".join(parts)
    parts += [f"<p>{p}</p>" for p in block.paragraphs]
    if block.chart:
        chart = block.chart
        parts.append(
            f'<figure><img src="{html.escape(chart.file_name)}" alt="{html.escape(chart.title)}">'
            f"<figcaption>{html.escape(chart.caption)}</figcaption></figure>"
        )
    if block.table:
        table = render_table(*block.table)
        if block.chart:
            table = f"<details><summary>The numbers behind the chart</summary>\n{table}</details>"
        parts.append(table)
    return "\n".join(parts)


def render_html(sections: Sequence[Section], database_name: str) -> str:
    nav = " ".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in sections)
    body = []
    for section in sections:
        body.append(f'<section id="{section.key}">')
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        body.append(f"<p>{html.escape(section.intro)}</p>")
        body += [render_block(b) for b in section.blocks]
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>User segments report</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        "<h1>User segments report</h1>\n"
        f'<p class="meta">From the marts of <code>{html.escape(database_name)}</code>. '
        "Sections whose marts are not in this database say so.</p>\n"
        f"<nav>{nav}</nav>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- entry points

SECTION_BUILDERS: tuple[Callable[[Marts, ChartWriter], Section], ...] = (
    lambda marts, _charts: quality_section(marts),
    exploration_section,
    segmentation_section,
    campaigns_section,
)


def write_report(database: str | Path, out_dir: str | Path) -> Report:
    """Read the marts of ``database`` (read-only) and write ``out_dir/index.html`` + charts."""
    database = Path(database)
    if not database.is_file():
        raise FileNotFoundError(
            f"database {database} does not exist: build it first (make build DB={database})"
        )
    out = Path(out_dir)
    charts_dir = out / "charts"
    if charts_dir.is_dir():
        for old in charts_dir.glob("*.png"):
            old.unlink()
    charts = ChartWriter(charts_dir)
    con = duckdb.connect(str(database), read_only=True)
    try:
        marts = Marts(con)
        sections = [build(marts, charts) for build in SECTION_BUILDERS]
    finally:
        con.close()
    index = out / "index.html"
    index.write_text(render_html(sections, database.name), encoding="utf-8")
    report = Report(index_path=index, charts=list(charts.written), sections=sections)
    log.info("report written to %s (%d charts)", index, len(report.charts))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m user_segmentation.report",
        description="Write the static HTML report with PNG charts from a built database.",
    )
    parser.add_argument("--db", required=True, help="built DuckDB database (read-only)")
    parser.add_argument("--out", default="build/report", help="output folder (build/report)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        report = write_report(args.db, args.out)
    except FileNotFoundError as error:
        sys.stderr.write(f"{error}\n")
        return 1
    for key, state in report.status().items():
        sys.stdout.write(f"  {key:<13} {state}\n")
    sys.stdout.write(f"Report: {report.index_path} ({len(report.charts)} charts)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
