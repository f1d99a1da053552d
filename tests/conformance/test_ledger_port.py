"""One behaviour suite for every LedgerPort adapter: fake, paper ledger, Anvil chain, revm."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import numpy as np
import pytest

from products.ledger import (
    Accept,
    CashTransferFrom,
    Finance,
    Issue,
    LedgerPort,
    MarkDefaulted,
    MarkOverdue,
    OpResult,
    PaperLedger,
    PaperResult,
    Pause,
    Repay,
    Review,
    SetCreditLine,
    Split,
    Status,
    Transfer,
    Unpause,
)
from products.ledger.paper import FRAUD_CATEGORIES
from products.ledger.port import ReceivableState
from products.ledger.testing import BACKENDS, HOUR_S, POLICY, World, open_world, running_anvil
from sim.kernel.calendar import DAY_S


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


def _port_members() -> list[str]:
    """Every public name the port Protocol declares: methods, properties and attributes."""
    names = {n for n in vars(LedgerPort) if not n.startswith("_")}
    return sorted(names | set(LedgerPort.__annotations__))


def test_is_a_ledger_port(w: World) -> None:
    assert isinstance(w.ledger, LedgerPort)
    assert w.ledger.pending == 0


@pytest.mark.parametrize("name", _port_members())
def test_signatures_match_the_port(w: World, name: str) -> None:
    declared = inspect.getattr_static(LedgerPort, name, None)
    implemented = inspect.getattr_static(type(w.ledger), name, None)
    if declared is None:  # a data attribute: only its annotation is declared
        assert isinstance(getattr(w.ledger, name), str)
        return
    if isinstance(declared, property):
        assert isinstance(implemented, property), f"{name} must be a property"
        declared, implemented = declared.fget, implemented.fget
    assert callable(implemented), f"{type(w.ledger).__name__}.{name} is missing"
    want = inspect.signature(declared, eval_str=True)
    got = inspect.signature(implemented, eval_str=True)
    assert got == want, f"{type(w.ledger).__name__}.{name}{got} != port {name}{want}"


def test_results_come_back_in_submission_order(w: World) -> None:
    ids = [w.issue(face=100_000 + i) for i in range(3)]
    ops = [Accept(sender=w.s1, token_id=i) for i in reversed(ids)]
    op_ids = [w.ledger.submit(op) for op in ops]
    assert op_ids == sorted(set(op_ids))
    w.now_s += HOUR_S
    results = w.ledger.step(w.now_s)
    assert [r.op for r in results] == ops
    assert [r.op_id for r in results] == op_ids


def test_results_are_the_ports_type_and_only_paper_knows_fraud(w: World) -> None:
    result = w.one(Accept(sender=w.s1, token_id=w.issue()))
    assert isinstance(result, OpResult) and result.ok
    assert isinstance(result, PaperResult) == isinstance(w.ledger, PaperLedger)
    assert not hasattr(OpResult(op=result.op, op_id=0, ok=True), "fraud")


def test_race_for_one_receivable_is_won_by_the_first_op(w: World) -> None:
    token_id = w.accepted()
    first, second = w.run(
        Transfer(sender=w.s1, token_id=token_id, to=w.s2),
        Finance(sender=w.s1, token_id=token_id, financier=w.bank),
    )
    assert first.ok and (second.ok, second.error) == (False, "ReceivableLedgerNotHolder")


def test_full_lifecycle_moves_cash(w: World) -> None:
    token_id = w.accepted(face=1_000_000, days=60)
    child = w.one(Split(sender=w.s1, token_id=token_id, to=w.s2, amount_fen=250_000)).token_id
    assert child is not None and w.one(Accept(sender=w.s2, token_id=child)).ok
    financed = w.one(Finance(sender=w.s2, token_id=child, financier=w.bank))
    assert financed.ok and financed.payout is not None and 0 < financed.payout < 250_000
    assert w.ledger.cash_balance(w.s2) == financed.payout
    repaid = w.run(
        Repay(sender=w.core, token_id=token_id, amount_fen=750_000),
        Repay(sender=w.core, token_id=child, amount_fen=250_000),
    )
    assert all(r.ok for r in repaid)
    assert w.ledger.cash_balance(w.s1) == 750_000
    assert w.ledger.receivable(child).status == Status.REPAID
    assert w.ledger.financed_outstanding(w.core) == 0


def test_credit_line_is_aggregate(w: World) -> None:
    w.one(SetCreditLine(sender=w.bank, core=w.core, line_fen=1_500_000))
    a, b = w.accepted(face=1_000_000), w.accepted(face=1_000_000)
    first, second = w.run(
        Finance(sender=w.s1, token_id=a, financier=w.bank),
        Finance(sender=w.s1, token_id=b, financier=w.bank),
    )
    assert first.ok and second.error == "ReceivableLedgerCreditLineExceeded"
    assert w.ledger.available_line(w.core) == 500_000


def test_credit_line_is_per_financier(w: World) -> None:
    """Each bank's own line binds its own financing; another bank cannot touch it."""
    w.one(SetCreditLine(sender=w.bank, core=w.core, line_fen=1_000_000))
    w.one(SetCreditLine(sender=w.bank2, core=w.core, line_fen=1_000_000))
    foreign = w.one(SetCreditLine(sender=w.bank2, financier=w.bank, core=w.core, line_fen=0))
    assert foreign.error == "ReceivableLedgerNotLineOwner"
    a, b, c = (w.accepted(face=1_000_000) for _ in range(3))
    first, second, third = w.run(
        Finance(sender=w.s1, token_id=a, financier=w.bank),
        Finance(sender=w.s1, token_id=b, financier=w.bank),
        Finance(sender=w.s1, token_id=c, financier=w.bank2),
    )
    assert first.ok and third.ok and second.error == "ReceivableLedgerCreditLineExceeded"
    assert w.ledger.financed_outstanding(w.core, w.bank) == 1_000_000
    assert w.ledger.financed_outstanding(w.core) == 2_000_000
    assert w.ledger.available_line(w.core, w.bank2) == 0


@pytest.mark.parametrize(
    ("attack", "error"),
    [
        ("double_financing", "ReceivableLedgerNotHolder"),
        ("forged_receivable", "AccessControlUnauthorizedAccount"),
        ("unauthorised_disbursement", "ERC20InsufficientAllowance"),
        ("transfer_of_financed", "ReceivableLedgerNotHolder"),
        ("paused_action", "EnforcedPause"),
    ],
)
def test_attacks_are_rejected_as_data(w: World, attack: str, error: str) -> None:
    bank_before = w.ledger.cash_balance(w.bank)
    token_id = (
        w.financed() if attack in ("double_financing", "transfer_of_financed") else w.accepted()
    )
    ops = {
        "double_financing": [Finance(sender=w.s1, token_id=token_id, financier=w.bank)],
        "forged_receivable": [
            Issue(
                sender=w.s1,
                supplier=w.s1,
                face_fen=10**6,
                due_s=w.now_s + 10**6,
                invoice_hash=w.new_invoice(),
            )
        ],
        "unauthorised_disbursement": [
            CashTransferFrom(sender=w.s1, owner=w.bank, to=w.s1, amount_fen=10**6)
        ],
        "transfer_of_financed": [Transfer(sender=w.s1, token_id=token_id, to=w.s2)],
        "paused_action": [
            Pause(sender=w.admin),
            Finance(sender=w.s1, token_id=token_id, financier=w.bank),
            Unpause(sender=w.admin),
        ],
    }[attack]
    results = w.run(*ops)
    attempt = results[0] if attack != "paused_action" else results[1]
    assert (attempt.ok, attempt.error) == (False, error)
    assert not isinstance(attempt, PaperResult) or attempt.fraud is None
    spent = bank_before - w.ledger.cash_balance(w.bank)
    financed_once = (
        w.ledger.receivable(token_id).advance
        if attack in ("double_financing", "transfer_of_financed")
        else 0
    )
    assert spent == financed_once


def test_overdue_and_default_follow_the_clock(w: World) -> None:
    token_id = w.financed(face=1_000_000, days=2)
    assert (
        w.one(MarkOverdue(sender=w.auditor, token_id=token_id), hours=24).error
        == "ReceivableLedgerNotYetOverdue"
    )
    assert w.one(MarkOverdue(sender=w.auditor, token_id=token_id), hours=24 * 9).ok
    assert w.one(MarkDefaulted(sender=w.bank, token_id=token_id), hours=24 * 61).ok
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=1_000_000)).ok
    assert w.ledger.receivable(token_id).status == Status.RECOVERED


def test_receivable_snapshot_fields(w: World) -> None:
    token_id = w.issue(face=777_777, days=30)
    r = w.ledger.receivable(token_id)
    assert isinstance(r, ReceivableState)
    snapshot = (r.issuer, r.holder, r.face_value, r.repaid, r.parent_id, r.root_id)
    assert snapshot == (w.core, w.s1, 777_777, 0, 0, token_id)
    assert r.invoice_hash.startswith("0x") and len(r.invoice_hash) == 66


# ---------------------------------------------------------------------------- paper-only behaviour


class _SlowReviewer:
    def review(self, op: Finance, token: ReceivableState) -> Review:
        return Review(approved=op.sender != "0xrejected", delay_hours=48)


def test_paper_review_queue_delays_cash() -> None:
    paper = PaperLedger(POLICY_ADMIN, POLICY, reviewer=_SlowReviewer())
    world = World(paper, "paper-delay")
    world.setup()
    token_id = world.accepted()
    assert world.run(Finance(sender=world.s1, token_id=token_id, financier=world.bank)) == []
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
    result = world.one(Finance(sender=world.s1, token_id=token_id, financier=world.bank))
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
        Issue(
            sender=world.s1,
            supplier=world.s1,
            face_fen=2_000_000,
            due_s=world.now_s + 90 * DAY_S,
            invoice_hash=world.new_invoice(),
        )
    )
    assert forged.ok and forged.fraud == "forged_receivable" and forged.token_id in paper.forged
    cashout = world.one(Finance(sender=world.s1, token_id=forged.token_id, financier=world.bank))
    assert (
        cashout.ok and cashout.fraud == "forged_receivable" and cashout.fraud_loss == cashout.payout
    )


def test_paper_transfer_of_financed_moves_the_banks_claim() -> None:
    paper, world = _leaky_paper("paper-transfer")
    token_id = world.financed(face=1_000_000)
    result = world.one(Transfer(sender=world.s1, token_id=token_id, to=world.s2))
    assert result.ok and result.fraud == "transfer_of_financed" and result.fraud_loss == 1_000_000
    assert paper.receivable(token_id).holder == world.s2


def test_paper_unauthorised_disbursement_and_paused_action() -> None:
    paper, world = _leaky_paper("paper-theft")
    theft = world.one(
        CashTransferFrom(sender=world.s1, owner=world.bank, to=world.s1, amount_fen=5_000)
    )
    assert theft.ok and theft.fraud_loss == 5_000 and paper.cash_balance(world.s1) == 5_000
    token_id = world.accepted()
    pause, act, unpause = world.run(
        Pause(sender=world.admin),
        Finance(sender=world.s1, token_id=token_id, financier=world.bank),
        Unpause(sender=world.admin),
    )
    assert pause.ok and act.ok and act.fraud == "paused_action" and unpause.ok


def test_paper_with_zero_miss_rate_rejects_like_the_contract() -> None:
    paper = PaperLedger(POLICY_ADMIN, POLICY, miss_prob=dict.fromkeys(FRAUD_CATEGORIES, 0.0))
    world = World(paper, "paper-strict")
    world.setup()
    assert (
        world.one(
            CashTransferFrom(sender=world.s1, owner=world.bank, to=world.s1, amount_fen=5_000)
        ).error
        == "ERC20InsufficientAllowance"
    )
