"""The benchmark harness runs at a tiny size and writes results that parse.

Timings are never asserted: only that the harness works end to end, so that
``make bench`` cannot rot.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.e2e


def _run_bench(*args: str) -> subprocess.CompletedProcess:
    """``python bench/run.py ARGS`` from the repository, output captured."""
    return subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def _bench_module():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import run as bench
    finally:
        sys.path.pop(0)
    return bench


def test_bench_parse_size():
    bench = _bench_module()
    assert [bench.parse_size(s) for s in ("1k", "100k", "1M", "2.5m", "300")] == [
        1_000,
        100_000,
        1_000_000,
        2_500_000,
        300,
    ]
    assert bench.size_label(10_000_000) == "10M"
    with pytest.raises(ValueError):
        bench.parse_size("0.5")


def test_bench_judges_each_target_on_the_median_and_shows_every_run():
    bench = _bench_module()
    gib = 1024**3

    def row(users, label, runs, peak_gib):
        median = sorted(runs)[len(runs) // 2]
        ours = {"seconds": median, "all_seconds": runs, "peak_bytes": peak_gib * gib}
        return {"users": users, "label": label, "ours": ours}

    report = {
        "sizes": [
            row(100_000, "100k", [9.0, 9.5, 9.2], 0.6),  # no target at this size
            row(1_000_000, "1M", [15.3, 14.2, 14.9], 1.2),
            row(10_000_000, "10M", [41.0, 39.5, 42.0], 2.1),
            row(30_000_000, "30M", [300.0], 1.8),
        ]
    }
    lines = bench.target_lines(report)
    body = [line for line in lines if line.startswith("| ") and line[2].isdigit()]
    assert [line.split(" | ")[0] for line in body] == ["| 1M", "| 10M", "| 30M"]
    one_m, ten_m, thirty_m = (line.split(" | ") for line in body)
    assert one_m[1:] == [
        "< 15 s",
        "14.9 s (15.3 / 14.2 / 14.9)",
        "met",
        "2 of 3",
        "< 1.5 GiB",
        "1.20 GiB",
        "met |",
    ]
    assert ten_m[3:5] == ["**missed**", "1 of 3"]
    assert ten_m[7] == "**missed** |"  # 2.1 GiB against < 2 GiB
    assert thirty_m[1:5] == ["completes", "300.0 s (300.0)", "met", "-"]
    assert not any("against the reference" in line for line in lines)  # no reference run
    report["sizes"][2]["reference"] = {"seconds": 80.0, "peak_bytes": 8 * gib}
    (versus,) = [line for line in bench.target_lines(report) if "against the reference" in line]
    assert "time 0.51 x (met), memory 0.26 x (met)" in versus
    assert bench.target_lines({"sizes": [row(1_000, "1k", [8.0], 0.5)]}) == []


def test_bench_runs_at_1k_and_writes_its_results(tmp_path):
    out = tmp_path / "results"
    result = _run_bench(
        "--sizes",
        "1k",
        "--repeats",
        "1",
        "--out",
        str(out),
        "--data-dir",
        str(tmp_path / "data"),
        "--planted",
        "5k",
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]

    report = json.loads((out / "benchmark.json").read_text())
    (row,) = report["sizes"]
    assert row["users"] == 1000
    for side in ("ours", "reference"):
        assert row[side]["seconds"] > 0
        assert row[side]["peak_bytes"] > 0
    assert row["reference"]["rows"] == 1000
    assert row["reference"]["clusters"] == 5
    assert row["ours"]["node_count"] > 0
    assert "staging models" in row["ours"]["node_seconds_by_phase"]
    assert row["ours"]["export"]["audience_rows"] > 0
    assert report["parse_seconds"] > 0
    # planted segments are recovered (a property of the pipeline, not a timing)
    assert report["planted"]["users"] == 5000
    assert report["planted"]["adjusted_rand_index"] >= 0.9

    table = (out / "benchmark.md").read_text()
    assert "| 1k |" in table
    assert "time ours/ref" in table
    assert "Planted segments: 5k users" in table
    assert "target >= 0.9: met" in table
    assert "Targets (" not in table  # no target at 1k

    # --render writes the same report again from the JSON, running nothing
    again = tmp_path / "again"
    rendered = _run_bench("--render", str(out / "benchmark.json"), "--out", str(again))
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    assert (again / "benchmark.md").read_text() == table
    assert json.loads((again / "benchmark.json").read_text()) == report
    assert (again / "benchmark.png").stat().st_size > 0
    assert (out / "benchmark.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 1k |" in result.stdout


def test_bench_runs_on_parquet_input(tmp_path):
    """``--format parquet``: the generated Parquet file (numbers typed) goes through
    our build and the reference pipeline (pandas ``read_parquet``) alike."""
    out = tmp_path / "results"
    result = _run_bench(
        "--sizes", "500", "--format", "parquet", "--repeats", "1", "--planted", "none",
        "--out", str(out), "--data-dir", str(tmp_path / "data"), "--memory-limit", "900MB",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = json.loads((out / "benchmark.json").read_text())
    assert report["format"] == "parquet"
    assert report["memory_limit"] == "900MB"
    assert "DuckDB memory limit 900MB;" in (out / "benchmark.md").read_text()
    (row,) = report["sizes"]
    assert row["file"].endswith(".parquet")
    assert row["reference"]["rows"] == 500
    assert row["ours"]["export"]["audience_rows"] > 0


def test_bench_memory_limit_reaches_the_builds(tmp_path):
    """``--memory-limit`` is the limit of our builds, not just a label in the
    report: a value that is not a size stops the first build, which names it."""
    result = _run_bench(
        "--sizes", "300", "--repeats", "1", "--no-reference", "--planted", "none",
        "--out", str(tmp_path / "results"), "--data-dir", str(tmp_path / "data"),
        "--memory-limit", "plenty",
    )  # fmt: skip
    assert result.returncode != 0
    assert "USER_SEGMENTATION_MEMORY_LIMIT 'plenty' is not a memory size" in result.stdout + result.stderr
