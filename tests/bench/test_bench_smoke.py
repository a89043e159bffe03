"""The benchmark's smoke run (CI): ``python -m tests.bench --smoke --profiles sqlite-1`` for
real, with few visitors and a short measurement, so that `make bench` keeps working. It
checks that ``results/bench-smoke.json`` has every figure and that no message failed; the
figures themselves are not judged (the run is too short, and CI machines are busy).

Only the one-replica profile runs here: the two-replica cluster is started the same way by
the scale-out tests (``tests/harness/cluster.py``), and training and serving the bare
``rasa init`` reference (minutes) is left to ``make bench`` itself."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.harness.cluster import ROOT

pytestmark = pytest.mark.e2e
RESULTS = ROOT / "results" / "bench-smoke.json"
PROFILES = ["sqlite-1"]
FIGURES = ["messages", "errors", "throughput_msg_s", "throughput_msg_s_per_core", "p50_ms",
           "p95_ms", "p99_ms", "cpu_ms_per_message"]
LONG_FIGURES = ["turns_1_10_median_ms", "turns_95_105_median_ms", "turn_5_ms", "turn_100_ms",
                "turn_100_vs_5", "late_vs_early_median"]


@pytest.fixture(scope="module")
def smoke() -> dict[str, Any]:
    RESULTS.unlink(missing_ok=True)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "tests.bench", "--smoke", "--profiles", *PROFILES],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(run.stdout[-5000:], run.stderr[-5000:], sep="\n")
    print(f"smoke run: {time.monotonic() - started:.0f} s")
    assert run.returncode == 0
    data: dict[str, Any] = json.loads(RESULTS.read_text())
    return data


def test_every_profile_has_every_figure_and_no_failed_message(smoke: dict[str, Any]) -> None:
    assert list(smoke["profiles"]) == PROFILES
    for name, profile in smoke["profiles"].items():
        for figure in FIGURES:
            assert isinstance(profile[figure], int | float), (name, figure)
        assert profile["messages"] > 0 and profile["errors"] == 0, profile["error_examples"]
        assert profile["p50_ms"] <= profile["p95_ms"] <= profile["p99_ms"]
        assert profile["memory_mib"] and all(profile["memory_mib"].values()), name


def test_the_profile_ran_all_its_processes(smoke: dict[str, Any]) -> None:
    assert set(smoke["profiles"]["sqlite-1"]["memory_mib"]) == {"rasa-1", "actions-1", "worker"}


def test_the_long_conversation_and_what_was_not_measured_are_reported(
    smoke: dict[str, Any]
) -> None:
    long = smoke["profiles"]["sqlite-1"]["long_conversation"]
    assert long["turns"] >= 105 and long["errors"] == 0, long["error_examples"]
    assert all(long[figure] > 0 for figure in LONG_FIGURES)
    assert "turn 100 vs turn 5 (sqlite-1)" in {goal["goal"] for goal in smoke["goals"]}
    assert smoke["skipped"] == {"postgres-2": "not asked for (--profiles)",
                                "reference": "not asked for (--profiles)"}
    assert smoke["machine"]["cpu_count"] and smoke["machine"]["rasa"]
    markdown = (ROOT / "results" / "bench-smoke.md").read_text()
    assert markdown.startswith("# Load benchmark")
    assert "Not measured: reference: not asked for (--profiles)" in markdown
