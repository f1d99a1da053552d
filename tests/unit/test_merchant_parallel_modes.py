"""Case 2's modes in worker processes record exactly what the serial run records (and the
shared splice of :mod:`sim.cases.parallel`)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim import run_scenario
from sim.cases import merchant_credit, parallel
from sim.recorder import Recorder


def _scenario(processes: int, adapter: str = "sklearn") -> dict[str, Any]:
    return {
        "name": "mc-parallel",
        "months": 2,
        "merchant_credit": {
            "merchants": 400,
            "mode_processes": processes,
            "scoring": {"adapter": adapter, "training_merchants": 600},
        },
    }


def _results(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(run_dir / "events.parquet"), pd.read_parquet(run_dir / "kpis.parquet")


def test_two_processes_record_what_one_records(tmp_path: Path) -> None:
    serial = run_scenario(_scenario(1), seed=7, out=tmp_path / "serial", progress=False)
    forked = run_scenario(_scenario(2), seed=7, out=tmp_path / "forked", progress=False)
    assert serial.status == forked.status == "ok"
    assert forked.kpis == serial.kpis
    assert forked.claims == serial.claims
    for mine, theirs in zip(_results(forked.run_dir), _results(serial.run_dir), strict=True):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
    prov = forked.manifest["provenance"]
    assert list(prov) == list(serial.manifest["provenance"])  # same keys in the same order
    assert not list(forked.run_dir.glob(".modes-*"))  # the workers' scratch files are gone


def test_take_and_extend_move_what_was_added(tmp_path: Path) -> None:
    import datetime as dt

    rec = Recorder(tmp_path, dt.datetime(2025, 1, 1))
    rec.event("c", "a", 1.0, "x", 1, 2.0, k=1)
    rec.total("c", "a", "n", 1)
    at = parallel.mark(rec)
    rec.event("c", "b", 2.0, "y", 2, 3.0)
    rec.kpi("c", "b", 0, "k", 0.5)
    rec.total("c", "b", "n", 2)
    delta = parallel.take(rec, at)
    assert len(rec.events_frame()) == 1 and len(rec.kpis_frame()) == 0
    assert rec.totals == {"c.a.n": 1}
    parallel.extend(rec, delta)
    assert list(rec.events_frame()["mode"]) == ["a", "b"]
    assert rec.totals == {"c.a.n": 1, "c.b.n": 2} and len(rec.kpis_frame()) == 1


def test_a_worker_process_runs_the_modes_serially(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parallel.can_fork() == ("fork" in multiprocessing.get_all_start_methods())
    with monkeypatch.context() as patch:  # a sweep's pool worker: a child, not daemonic
        patch.setattr(multiprocessing, "parent_process", lambda: object())
        assert not parallel.can_fork()
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert not parallel.can_fork()


def test_an_error_in_a_worker_is_raised_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = merchant_credit.run_mode

    def failing(ctx: Any, mode: str, *args: Any) -> Any:
        if mode == "innovated":
            raise ValueError("boom in innovated")
        return real(ctx, mode, *args)

    monkeypatch.setattr(merchant_credit, "run_mode", failing)
    with pytest.raises(ValueError, match="boom in innovated") as raised:
        run_scenario(_scenario(2, "fake"), seed=7, out=tmp_path, progress=False)
    assert any("worker process of mode innovated" in note for note in raised.value.__notes__)
