"""The dbt docs site: generated from a built database, opened in a real browser.

The browser test drives Debian's chromium (headless) through its chromedriver
with selenium; it downloads no browser.  It opens the single static page from
disk, shows the full lineage graph, checks that the graph has drawn the source,
every mart and every exposure, with a path from the raw file to each exposure,
and saves a screenshot of the lineage from the raw file to the exposures
(``build/docs/screenshot.png``, or the file named by
``USER_SEGMENTATION_SCREENSHOT``).  Without chromium it skips, naming what is
missing; CI installs it (.ci/install-system-deps.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from conftest import REPO
from user_segmentation import docs_site, runner
from user_segmentation.report import REPORT_INPUTS

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)
SAMPLE = REPO / "data/sample/user_profiles_sample.csv"
SOURCE_NODE = "source.user_segmentation.raw.user_profiles"
GRAPH_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the sample, generate the docs site; return (index.html, manifest)."""
    folder = tmp_path_factory.mktemp("site")
    database = folder / "site.duckdb"
    runner.build(SAMPLE, database, capture=True)
    index = docs_site.generate(database, folder / "docs", input_path=SAMPLE, capture=True)
    manifest = json.loads((index.parent / "manifest.json").read_text())
    return index, manifest


def project_nodes(manifest: dict, resource_type: str) -> dict[str, dict]:
    nodes = manifest["exposures"] if resource_type == "exposure" else manifest["nodes"]
    return {
        key: node
        for key, node in nodes.items()
        if node["resource_type"] == resource_type and node["package_name"] == "user_segmentation"
    }


def test_make_docs_writes_one_static_page(site):
    index, manifest = site
    text = index.read_text(encoding="utf-8")
    assert (index.parent / "catalog.json").is_file()
    # the static page inlines manifest and catalog: nothing to fetch
    assert "segment_report" in text
    assert "User segmentation for advertising" in text
    assert manifest["docs"]["doc.user_segmentation.__overview__"]["block_contents"].startswith(
        "# User segmentation for advertising"
    )


def test_report_exposure_lists_what_the_report_reads(site):
    """Every model the report reads that exists must be in the exposure's depends_on."""
    _, manifest = site
    models = {node["name"]: key for key, node in project_nodes(manifest, "model").items()}
    exposures = {node["name"]: node for node in project_nodes(manifest, "exposure").values()}
    assert "segment_report" in exposures
    listed = set(exposures["segment_report"]["depends_on"]["nodes"])
    missing = [name for name in REPORT_INPUTS if name in models and models[name] not in listed]
    assert not missing, (
        "the report reads these models but the exposure segment_report in models/exposures.yml "
        "does not list them; add: " + ", ".join(f"ref('{name}')" for name in missing)
    )


def test_campaign_audience_export_has_an_exposure(site):
    _, manifest = site
    models = {node["name"]: key for key, node in project_nodes(manifest, "model").items()}
    if "fct_campaign_audiences" not in models:
        pytest.skip("fct_campaign_audiences (issue 5) is not in this project yet")
    users = [
        node["name"]
        for node in project_nodes(manifest, "exposure").values()
        if models["fct_campaign_audiences"] in node["depends_on"]["nodes"]
    ]
    assert users, (
        "no exposure depends on fct_campaign_audiences: uncomment campaign_audience_export "
        "in models/exposures.yml"
    )


def screenshot_path() -> Path:
    configured = os.environ.get("USER_SEGMENTATION_SCREENSHOT")
    return Path(configured) if configured else REPO / "build" / "docs" / "screenshot.png"


@pytest.fixture(scope="module")
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.skip(
            "the browser test needs Debian's chromium and chromedriver (missing: "
            + ", ".join(missing)
            + "); install them with .ci/install-system-deps.sh"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# The lineage graph is drawn by cytoscape.js into a canvas; its container keeps
# the instance, from which the drawn nodes and edges can be read.
GRAPH_SCRIPT = """
const holder = Array.from(document.querySelectorAll('div')).find(e => e._cyreg && e._cyreg.cy);
if (!holder) { return null; }
const cy = holder._cyreg.cy;
const box = holder.getBoundingClientRect();
const nodes = cy.nodes().filter(n => n.visible()).map(n => ({
  id: n.id(),
  label: n.data('label'),
  width: n.renderedBoundingBox().w,
  upstream: n.predecessors('node').map(p => p.id()),
}));
return {nodes: nodes, edges: cy.edges().length, width: box.width, height: box.height};
"""


def read_graph(driver) -> dict | None:
    deadline = time.monotonic() + GRAPH_TIMEOUT_SECONDS
    graph = None
    while time.monotonic() < deadline:
        graph = driver.execute_script(GRAPH_SCRIPT)
        if graph and graph["nodes"] and graph["width"] > 0 and graph["height"] > 0:
            # wait for the layout to settle: the same node count twice
            time.sleep(1)
            again = driver.execute_script(GRAPH_SCRIPT)
            if again and len(again["nodes"]) == len(graph["nodes"]) and again["width"] > 0:
                return again
        time.sleep(0.5)
    return graph


def test_browser_shows_overview_and_full_lineage(site, browser):
    index, manifest = site
    browser.get(index.as_uri() + "#!/overview")
    deadline = time.monotonic() + GRAPH_TIMEOUT_SECONDS
    while time.monotonic() < deadline and "How to read the segments" not in browser.page_source:
        time.sleep(0.5)
    body = browser.find_element("tag name", "body").text
    assert "User segmentation for advertising" in body
    assert "How to read the segments" in body

    browser.get("about:blank")  # a fresh load: a hash change alone does not open the graph
    browser.get(index.as_uri() + "#!/overview?g_v=1")
    graph = read_graph(browser)
    assert graph, "the lineage graph did not render (no cytoscape instance with nodes)"
    assert graph["width"] > 400 and graph["height"] > 300, graph
    drawn = {node["id"]: node for node in graph["nodes"]}

    marts = [
        key
        for key, node in project_nodes(manifest, "model").items()
        if node["name"].startswith(("fct_", "dim_"))
    ]
    exposures = list(project_nodes(manifest, "exposure"))
    expected = [SOURCE_NODE, "model.user_segmentation.stg_user_profiles", *marts, *exposures]
    assert exposures, "the project has no exposures"
    missing = [key for key in expected if key not in drawn]
    assert not missing, f"not drawn in the lineage graph: {missing}"
    assert all(drawn[key]["width"] > 0 for key in expected)
    assert graph["edges"] > 0
    for key in exposures:
        assert SOURCE_NODE in drawn[key]["upstream"], f"{key} is not downstream of the raw file"

    # the screenshot: the raw file and everything upstream of the exposures (no tests)
    browser.get("about:blank")
    browser.get(index.as_uri() + "#!/overview?g_v=1&g_i=%2Bexposure:*")
    upstream = read_graph(browser)
    assert upstream, "the lineage graph of +exposure:* did not render"
    shown = {node["id"] for node in upstream["nodes"]}
    assert {SOURCE_NODE, *exposures} <= shown
    assert not any(key.startswith("test.") for key in shown)

    shot = screenshot_path()
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
