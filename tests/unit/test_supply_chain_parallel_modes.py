"""Case 1's modes in worker processes record exactly what the serial run records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim import run_scenario


def _scenario(processes: int, adapter: str) -> dict[str, Any]:
    return {
        "name": "sc-parallel",
        "months": 2,
        "supply_chain": {
            "mode_processes": processes,
            "ledger": {"adapter": adapter},
            "population": {"tier1_count": 12, "tier2_count": 12},
            "adversaries": {"count": 2},
        },
    }


@pytest.mark.parametrize("adapter", ["fake", "revm"])
def test_two_processes_record_what_one_records(tmp_path: Path, adapter: str) -> None:
    serial = run_scenario(_scenario(1, adapter), seed=11, out=tmp_path / "1", report=False)
    forked = run_scenario(_scenario(2, adapter), seed=11, out=tmp_path / "2", report=False)
    assert serial.status == forked.status == "ok"
    assert forked.kpis == serial.kpis and forked.claims == serial.claims
    assert forked.kpis["supply_chain.innovated.tx_count"] > 0
    for name in ("events.parquet", "kpis.parquet"):
        mine = pd.read_parquet(forked.run_dir / name)
        pd.testing.assert_frame_equal(mine, pd.read_parquet(serial.run_dir / name))
    assert list(forked.manifest["provenance"]) == list(serial.manifest["provenance"])


def test_a_run_that_keeps_its_chain_runs_the_modes_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept Anvil must outlive the run, so its mode may not run in a worker that exits."""
    from sim.cases import supply_chain

    seen: list[int] = []
    monkeypatch.setattr(supply_chain, "anvil_kept", lambda: True)
    monkeypatch.setattr(
        supply_chain, "run_modes", lambda ctx, label, one, processes: seen.append(processes) or {}
    )
    monkeypatch.setattr(supply_chain, "record_claims", lambda *a: None)
    monkeypatch.setattr(supply_chain, "figures", lambda *a: None)
    from sim.cases.base import CaseContext
    from sim.config import load_scenario
    from sim.kernel.rng import SeedTree
    from sim.recorder import Recorder

    config = load_scenario(_scenario(2, "fake"))
    ctx = CaseContext(
        config,
        config.supply_chain,
        SeedTree(1),
        Recorder(Path("."), config.start_datetime),
        Path("."),
    )
    supply_chain.run(ctx)
    assert seen == [1]
