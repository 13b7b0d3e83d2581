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


def test_bench_parse_size():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import run as bench
    finally:
        sys.path.pop(0)
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


def test_bench_runs_at_1k_and_writes_its_results(tmp_path):
    out = tmp_path / "results"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
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
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
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
    assert (out / "benchmark.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| 1k |" in result.stdout
