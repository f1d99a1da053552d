"""Anvil and revm agree: same scenario and seed give the same KPIs, ledger outcomes and gas.

Each run records every result the chain adapter hands to the model (a spy around the real
``ChainLedger.step``; nothing is replaced), so the comparison is per transaction and in order:
operation, sender, status, decoded error and its arguments, token id, payout, emitted events,
block timestamp and gas used. Transaction hashes differ by construction (the in-process node
names a transaction by its sender and nonce; Anvil hashes its impersonated signed form), so the
event log is compared without them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sim
from products.ledger.chain import ChainLedger
from products.ledger.port import OpResult

pytestmark = pytest.mark.chain

SMALL: dict[str, Any] = {
    "name": "ledger-agreement",
    "start": "2025-01-01",
    "months": 5,  # the first repayments fall in month 5
    "seed": 7,
    "modes": ["innovated"],
    "supply_chain": {
        "population": {
            "tier1_count": 8,
            "tier2_count": 8,
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
LARGE: dict[str, Any] = {
    **SMALL,
    "name": "ledger-agreement-large",
    "months": 12,
    "seed": 20251125,
    "supply_chain": {
        **SMALL["supply_chain"],
        "population": {"tier1_count": 40, "tier2_count": 40},
    },
}


@dataclass(frozen=True)
class Outcome:
    """One transaction's outcome as the model sees it, without the transaction hash."""

    kind: str
    sender: str
    ok: bool
    error: str | None
    error_args: tuple[Any, ...]
    token_id: int | None
    payout: int | None
    events: tuple[str, ...]
    time_s: int
    gas_used: int

    @classmethod
    def of(cls, r: OpResult) -> Outcome:
        return cls(
            r.op.kind,
            r.op.sender,
            r.ok,
            r.error,
            tuple(r.error_args),
            r.token_id,
            r.payout,
            tuple(r.events),
            r.time_s,
            r.gas_used,
        )


@dataclass
class Recorded:
    result: sim.RunResult
    blocks: list[tuple[int, list[Outcome]]]  # (block timestamp, its outcomes) per step

    @property
    def outcomes(self) -> list[Outcome]:
        """Every transaction's outcome in mined order."""
        return [o for _, block in self.blocks for o in block]

    def events(self) -> pd.DataFrame:
        """The event log with the transaction hash taken out of ``detail``."""
        events = self.result.events().drop(columns=["time"]).reset_index(drop=True)
        events["detail"] = [_without_tx(d) for d in events["detail"]]
        return events


def _without_tx(detail: str | None) -> str | None:
    if not detail:
        return detail
    fields = json.loads(detail)
    fields.pop("tx", None)
    return json.dumps(fields, sort_keys=True)


def _run(scenario: dict[str, Any], adapter: str, out: Path) -> Recorded:
    blocks: list[tuple[int, list[Outcome]]] = []
    step = ChainLedger.step

    def recording_step(self: ChainLedger, timestamp_s: int) -> list[OpResult]:
        results = step(self, timestamp_s)
        blocks.append((timestamp_s, [Outcome.of(r) for r in results]))
        return results

    case = {**scenario["supply_chain"], "ledger": {"adapter": adapter}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ChainLedger, "step", recording_step)
        result = sim.run_scenario(dict(scenario, supply_chain=case), out=out, progress=False)
    assert result.status == "ok"
    return Recorded(result, blocks)


def _pair(scenario: dict[str, Any], out: Path) -> Iterator[tuple[Recorded, Recorded]]:
    yield _run(scenario, "anvil", out / "anvil"), _run(scenario, "revm", out / "revm")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Recorded, Recorded]]:
    yield from _pair(SMALL, tmp_path_factory.mktemp("agreement"))


def _assert_agree(anvil: Recorded, revm: Recorded) -> None:
    assert anvil.result.kpis == revm.result.kpis
    pd.testing.assert_frame_equal(anvil.result.kpi_series(), revm.result.kpi_series())
    assert [t for t, _ in anvil.blocks] == [t for t, _ in revm.blocks]
    assert [len(b) for _, b in anvil.blocks] == [len(b) for _, b in revm.blocks]
    for i, (a, r) in enumerate(zip(anvil.outcomes, revm.outcomes, strict=True)):
        assert a == r, f"transaction {i} differs: anvil {a} != revm {r}"
    pd.testing.assert_frame_equal(anvil.events(), revm.events())


def test_small_scenario_agrees_transaction_by_transaction(
    small: tuple[Recorded, Recorded],
) -> None:
    _assert_agree(*small)


def test_the_small_scenario_exercises_reverts_events_and_gas(
    small: tuple[Recorded, Recorded],
) -> None:
    outcomes = small[1].outcomes
    kinds = {o.kind for o in outcomes}
    assert {"issue", "accept", "split", "finance", "repay"} <= kinds
    errors = {o.error for o in outcomes if not o.ok}
    assert len(errors) >= 3 and "UnknownError" not in errors
    assert all(o.gas_used > 21_000 for o in outcomes)
    metered = [o for _, block in small[1].blocks[1:] for o in block]  # the model meters
    kpis = small[1].result.kpis  # every step after its set-up block
    assert sum(o.gas_used for o in metered) == kpis["supply_chain.innovated.gas_used"]
    assert len(metered) == kpis["supply_chain.innovated.tx_count"]
    assert any(o.events for o in outcomes if o.ok)


def test_transaction_hashes_are_present_on_both(small: tuple[Recorded, Recorded]) -> None:
    for run in small:
        reverted = run.result.events().query("kind == 'tx_reverted'")
        assert len(reverted) > 0
        assert reverted["detail"].str.contains('"tx": "0x').all()


@pytest.mark.slow
def test_case_one_at_40_plus_40_for_12_months_agrees(tmp_path: Path) -> None:
    for anvil, revm in _pair(LARGE, tmp_path):
        assert len(anvil.outcomes) > 2_000
        _assert_agree(anvil, revm)
