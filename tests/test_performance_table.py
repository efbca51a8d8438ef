"""The performance table in docs/operating.md is what bench/table.py writes from the
benchmarks' own output (bench/results.json), never figures typed by hand."""

from __future__ import annotations

import json

from bench import table


def test_the_operating_guide_shows_the_table_written_from_the_recorded_results() -> None:
    results = json.loads(table.RESULTS.read_text())
    assert table.with_table(table.DOC.read_text(), table.table(results)) \
        == table.DOC.read_text()


def test_the_recorded_results_say_when_and_where_they_were_measured() -> None:
    results = json.loads(table.RESULTS.read_text())
    assert results["date"]
    assert {"cpu", "cores", "memory_gb", "python", "postgres", "redis"} <= \
        results["machine"].keys()
    assert set(results["runs"]) == {name for name, _ in table.RUNS}


def test_every_recorded_run_ended_with_its_figures() -> None:
    results = json.loads(table.RESULTS.read_text())
    for name, run in results["runs"].items():
        assert not run["figures"].get("failed"), name
        assert "goal_met" in run["figures"], name
