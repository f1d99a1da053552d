"""One behaviour suite for every LedgerPort backend: in-memory fake, paper ledger, chain on Anvil."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from products.ledger import LedgerPort, Op, PaperLedger, Review, Status
from products.ledger.paper import FRAUD_CATEGORIES
from products.ledger.port import ReceivableState
from products.ledger.testing import BACKENDS, POLICY, World, open_world, running_anvil


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    with running_anvil() as url:
        yield url


@pytest.fixture(
    params=[pytest.param(b, marks=pytest.mark.chain) if b == "chain" else b for b in BACKENDS]
)
def w(request: pytest.FixtureRequest) -> Iterator[World]:
    url = request.getfixturevalue("anvil_url") if request.param == "chain" else None
    with open_world(request.param, request.node.name, url) as world:
        yield world


def test_is_a_ledger_port(w: World) -> None:
    assert isinstance(w.ledger, LedgerPort)
    assert w.ledger.pending == 0


def test_results_come_back_in_submission_order(w: World) -> None:
    ids = [w.issue(face=100_000 + i) for i in range(3)]
    ops = [Op("accept", w.s1, (i,), tag=i) for i in reversed(ids)]
    results = w.run(*ops)
    assert [r.op.tag for r in results] == list(reversed(ids))
    assert [r.ticket for r in results] == sorted(r.ticket for r in results)


def test_race_for_one_receivable_is_won_by_the_first_op(w: World) -> None:
    token_id = w.accepted()
    first, second = w.run(
        Op("transfer", w.s1, (token_id, w.s2)), Op("finance", w.s1, (token_id, w.bank))
    )
    assert first.ok and (second.ok, second.error) == (False, "NotHolder")


def test_full_lifecycle_moves_cash(w: World) -> None:
    token_id = w.accepted(face=1_000_000, days=60)
    child = w.one("split", w.s1, token_id, w.s2, 250_000).token_id
    assert child is not None and w.one("accept", w.s2, child).ok
    financed = w.one("finance", w.s2, child, w.bank)
    assert financed.ok and financed.payout is not None and 0 < financed.payout < 250_000
    assert w.ledger.cash_balance(w.s2) == financed.payout
    repaid = w.run(Op("repay", w.core, (token_id, 750_000)), Op("repay", w.core, (child, 250_000)))
    assert all(r.ok for r in repaid)
    assert w.ledger.cash_balance(w.s1) == 750_000
    assert w.ledger.receivable(child).status == Status.REPAID
    assert w.ledger.financed_outstanding(w.core) == 0


def test_credit_line_is_aggregate(w: World) -> None:
    w.one("set_credit_line", w.bank, w.core, 1_500_000)
    a, b = w.accepted(face=1_000_000), w.accepted(face=1_000_000)
    first, second = w.run(Op("finance", w.s1, (a, w.bank)), Op("finance", w.s1, (b, w.bank)))
    assert first.ok and second.error == "CreditLineExceeded"
    assert w.ledger.available_line(w.core) == 500_000


@pytest.mark.parametrize(
    ("attack", "error"),
    [
        ("double_financing", "NotHolder"),
        ("forged_receivable", "AccessControlUnauthorizedAccount"),
        ("unauthorised_disbursement", "ERC20InsufficientAllowance"),
        ("transfer_of_financed", "NotHolder"),
        ("paused_action", "EnforcedPause"),
    ],
)
def test_attacks_are_rejected_as_data(w: World, attack: str, error: str) -> None:
    bank_before = w.ledger.cash_balance(w.bank)
    token_id = (
        w.financed() if attack in ("double_financing", "transfer_of_financed") else w.accepted()
    )
    ops = {
        "double_financing": [Op("finance", w.s1, (token_id, w.bank))],
        "forged_receivable": [Op("issue", w.s1, (w.s1, 10**6, w.now_s + 10**6, w.new_invoice()))],
        "unauthorised_disbursement": [Op("cash_transfer_from", w.s1, (w.bank, w.s1, 10**6))],
        "transfer_of_financed": [Op("transfer", w.s1, (token_id, w.s2))],
        "paused_action": [
            Op("pause", w.admin),
            Op("finance", w.s1, (token_id, w.bank)),
            Op("unpause", w.admin),
        ],
    }[attack]
    results = w.run(*ops)
    attempt = results[0] if attack != "paused_action" else results[1]
    assert (attempt.ok, attempt.error, attempt.fraud) == (False, error, None)
    spent = bank_before - w.ledger.cash_balance(w.bank)
    financed_once = (
        w.ledger.receivable(token_id).advance
        if attack in ("double_financing", "transfer_of_financed")
        else 0
    )
    assert spent == financed_once


def test_overdue_and_default_follow_the_clock(w: World) -> None:
    token_id = w.financed(face=1_000_000, days=2)
    assert w.one("mark_overdue", w.auditor, token_id, hours=24).error == "NotYetOverdue"
    assert w.one("mark_overdue", w.auditor, token_id, hours=24 * 9).ok
    assert w.one("mark_defaulted", w.bank, token_id, hours=24 * 61).ok
    assert w.one("repay", w.core, token_id, 1_000_000).ok
    assert w.ledger.receivable(token_id).status == Status.RECOVERED


def test_receivable_snapshot_fields(w: World) -> None:
    token_id = w.issue(face=777_777, days=30)
    r = w.ledger.receivable(token_id)
    assert isinstance(r, ReceivableState)
    assert (r.issuer, r.holder, r.face_value, r.repaid, r.parent_id, r.root_id) == (
        w.core, w.s1, 777_777, 0, 0, token_id,
    )  # fmt: skip
    assert r.invoice_hash.startswith("0x") and len(r.invoice_hash) == 66


# ---------------------------------------------------------------------------- paper-only behaviour


class _SlowReviewer:
    def review(self, op: Op, token: ReceivableState) -> Review:
        return Review(approved=op.sender != "0xrejected", delay_hours=48)


def test_paper_review_queue_delays_cash() -> None:
    paper = PaperLedger(POLICY_ADMIN, POLICY, reviewer=_SlowReviewer())
    world = World(paper, "paper-delay")
    world.setup()
    token_id = world.accepted()
    assert world.run(Op("finance", world.s1, (token_id, world.bank))) == []
    assert paper.pending == 1
    results = world.run(hours=48)
    assert len(results) == 1 and results[0].ok and results[0].time_s == world.now_s


def test_paper_clerks_miss_double_financing_at_configured_rate() -> None:
    paper = PaperLedger(
        POLICY_ADMIN, POLICY, miss_prob={"double_financing": 1.0}, rng=np.random.default_rng(1)
    )
    world = World(paper, "paper-fraud")
    world.setup()
    token_id = world.financed()
    result = world.one("finance", world.s1, token_id, world.bank)
    assert result.ok and result.fraud == "double_financing" and result.fraud_loss == result.payout


POLICY_ADMIN = "0x" + "ab" * 20


def _leaky_paper(label: str) -> tuple[PaperLedger, World]:
    paper = PaperLedger(POLICY_ADMIN, POLICY, miss_prob=dict.fromkeys(FRAUD_CATEGORIES, 1.0))
    world = World(paper, label)
    world.setup()
    return paper, world


def test_paper_forged_receivable_is_financed_and_lost() -> None:
    paper, world = _leaky_paper("paper-forged")
    forged = world.one(
        "issue", world.s1, world.s1, 2_000_000, world.now_s + 90 * 86_400, world.new_invoice()
    )
    assert forged.ok and forged.fraud == "forged_receivable" and forged.token_id in paper.forged
    cashout = world.one("finance", world.s1, forged.token_id, world.bank)
    assert (
        cashout.ok and cashout.fraud == "forged_receivable" and cashout.fraud_loss == cashout.payout
    )


def test_paper_transfer_of_financed_moves_the_banks_claim() -> None:
    paper, world = _leaky_paper("paper-transfer")
    token_id = world.financed(face=1_000_000)
    result = world.one("transfer", world.s1, token_id, world.s2)
    assert result.ok and result.fraud == "transfer_of_financed" and result.fraud_loss == 1_000_000
    assert paper.receivable(token_id).holder == world.s2


def test_paper_unauthorised_disbursement_and_paused_action() -> None:
    paper, world = _leaky_paper("paper-theft")
    theft = world.one("cash_transfer_from", world.s1, world.bank, world.s1, 5_000)
    assert theft.ok and theft.fraud_loss == 5_000 and paper.cash_balance(world.s1) == 5_000
    token_id = world.accepted()
    pause, act, unpause = world.run(Op("pause", world.admin), Op("finance", world.s1, (token_id, world.bank)),
                                    Op("unpause", world.admin))  # fmt: skip
    assert pause.ok and act.ok and act.fraud == "paused_action" and unpause.ok


def test_paper_with_zero_miss_rate_rejects_like_the_contract() -> None:
    paper = PaperLedger(POLICY_ADMIN, POLICY, miss_prob=dict.fromkeys(FRAUD_CATEGORIES, 0.0))
    world = World(paper, "paper-strict")
    world.setup()
    assert (
        world.one("cash_transfer_from", world.s1, world.bank, world.s1, 5_000).error
        == "ERC20InsufficientAllowance"
    )
