"""Case 1 end to end with the real chain: determinism, claims, events, provenance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim

pytestmark = pytest.mark.chain

SCENARIO: dict[str, Any] = {
    "name": "sc-determinism",
    "start": "2025-01-01",
    "months": 5,
    "seed": 11,
    "modes": ["innovated", "traditional"],
    "supply_chain": {
        # cash-starved: financing within 5 months
        "population": {
            "tier1_count": 10,
            "tier2_count": 10,
            "cash_buffer_months": 1.0,
            "fund_operating_cycle": False,
        },
        "adversaries": {
            "count": 2,
            "double_financing_per_month": 3,
            "forged_receivable_per_month": 3,
            "unauthorised_disbursement_per_month": 3,
            "paused_action_per_month": 3,
            "transfer_of_financed_per_month": 3,
        },
    },
}


def _kpis(result: sim.RunResult) -> dict[str, Any]:
    return dict(result.kpis)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[sim.RunResult, sim.RunResult]:
    out = tmp_path_factory.mktemp("runs")
    first = sim.run_scenario(SCENARIO, out=out / "a", progress=False)
    second = sim.run_scenario(SCENARIO, out=out / "b", progress=False)
    return first, second


def test_same_seed_same_kpis_including_tx_count_and_gas(
    runs: tuple[sim.RunResult, sim.RunResult],
) -> None:
    first, second = runs
    assert first.status == second.status == "ok"
    assert _kpis(first) == _kpis(second)
    summaries = [json.loads((r.run_dir / "summary.json").read_text()) for r in runs]
    assert summaries[0]["kpis"] == summaries[1]["kpis"]
    assert first.kpis["supply_chain.innovated.tx_count"] > 100
    assert first.kpis["supply_chain.innovated.gas_used"] > 10**6


def test_same_seed_same_event_log(runs: tuple[sim.RunResult, sim.RunResult]) -> None:
    a, b = (r.events().drop(columns=["time"]) for r in runs)
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_chain_blocks_every_attack_paper_lets_some_through(
    runs: tuple[sim.RunResult, sim.RunResult],
) -> None:
    k = runs[0].kpis
    assert k["supply_chain.innovated.fraud_attempts"] > 0
    assert k["supply_chain.innovated.fraud_succeeded"] == 0
    assert k["supply_chain.innovated.fraud_loss_cny"] == 0
    assert k["supply_chain.innovated.fraud_blocked"] == k["supply_chain.innovated.fraud_attempts"]
    assert k["supply_chain.traditional.fraud_attempts"] > 0


def test_reverted_txs_are_events_with_decoded_errors(
    runs: tuple[sim.RunResult, sim.RunResult],
) -> None:
    events = runs[0].events()
    reverted = events[(events["kind"] == "tx_reverted") & (events["mode"] == "innovated")]
    assert len(reverted) > 0
    assert not reverted["detail"].str.contains("UnknownError").any()
    assert reverted["detail"].str.contains('"tx": "0x').all()


def test_claims_and_provenance(runs: tuple[sim.RunResult, sim.RunResult]) -> None:
    result = runs[0]
    claims = {c["claim"] for c in result.claims if c["case"] == "supply_chain"}
    assert len(claims) == 3
    assert any(
        k.startswith("contract.ReceivableLedger") for k in result.manifest.get("provenance", {})
    )
    assert Path(result.run_dir / "figures" / "supply_chain-modes.png").exists()


def test_other_seed_changes_outcome(tmp_path: Path) -> None:
    other = dict(SCENARIO, seed=12, months=2, modes=["innovated"])
    result = sim.run_scenario(other, out=tmp_path, progress=False)
    assert result.status == "ok"
    assert result.kpis["supply_chain.innovated.gas_used"] > 0


def test_same_kpis_in_a_fresh_process_with_another_hash_seed(
    runs: tuple[sim.RunResult, sim.RunResult], tmp_path: Path
) -> None:
    code = (
        "import json, sys, sim; from tests_scenario import SCENARIO; "
        "r = sim.run_scenario(SCENARIO, out=sys.argv[1], progress=False); print(json.dumps(r.kpis))"
    )
    (tmp_path / "tests_scenario.py").write_text(f"SCENARIO = {SCENARIO!r}\n")
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == _kpis(runs[0])


def test_a_mode_does_not_depend_on_the_other_having_run(
    runs: tuple[sim.RunResult, sim.RunResult], tmp_path: Path
) -> None:
    alone = sim.run_scenario(dict(SCENARIO, modes=["traditional"]), out=tmp_path, progress=False)
    both = {k: v for k, v in _kpis(runs[0]).items() if ".traditional." in k}
    assert _kpis(alone) == both


def test_fake_ledger_adapter_runs_the_innovated_mode_without_a_chain(tmp_path: Path) -> None:
    case = {**SCENARIO["supply_chain"], "ledger": {"adapter": "fake"}}
    fake = dict(SCENARIO, months=2, modes=["innovated"], supply_chain=case)
    result = sim.run_scenario(fake, out=tmp_path, progress=False)
    assert result.status == "ok"
    assert result.kpis["supply_chain.innovated.tx_count"] > 0
    assert result.kpis["supply_chain.innovated.gas_used"] == 0
    assert "supply_chain.innovated.blocks" not in result.kpis
    assert not any(k.startswith("contract.") for k in result.manifest.get("provenance", {}))
