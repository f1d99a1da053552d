"""ReceivableLedger.sol on a real Anvil: every lifecycle transition and every revert path.

The revert table and the rules added for issue 11 (credit lines per financier, revoked roles,
policy ranges, auditor attestations) also run on the Python reference model (``fake``), so the
chain and the model are held to the same outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from contracts import load_artifact
from contracts.loader import SOURCE_DIR
from products.ledger.cash import ZERO
from products.ledger.chain import ChainLedger
from products.ledger.ops import (
    Accept,
    ApproveCash,
    AttestExposure,
    CashTransferFrom,
    Finance,
    GrantRole,
    Issue,
    LedgerOp,
    MarkDefaulted,
    MarkOverdue,
    Mint,
    Pause,
    Policy,
    Repay,
    RevokeRole,
    SetCreditLine,
    SetPolicy,
    SetTerms,
    Split,
    Terms,
    Transfer,
    Unpause,
    WriteOff,
)
from products.ledger.port import OpResult, Status
from products.ledger.testing import CREDIT_LINE, POLICY, TERMS, World, open_world, running_anvil
from sim.kernel.calendar import DAY_S

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    with running_anvil() as url:
        yield url


@pytest.fixture
def w(anvil_url: str, request: pytest.FixtureRequest) -> Iterator[World]:
    with open_world("chain", request.node.name, anvil_url) as world:
        yield world


@pytest.fixture(params=["fake", "chain"])
def wb(request: pytest.FixtureRequest) -> Iterator[World]:
    """A world on the reference model (``fake``) and one on the real contracts (``chain``)."""
    url = request.getfixturevalue("anvil_url") if request.param == "chain" else None
    with open_world(request.param, request.node.name, url) as world:
        yield world


# ---------------------------------------------------------------------------- transitions


def test_issue_mints_to_supplier_with_full_record(w: World) -> None:
    token_id = w.issue(face=2_000_000, days=60)
    r = w.ledger.receivable(token_id)
    assert (r.status, r.holder, r.issuer, r.face_value) == (Status.ISSUED, w.s1, w.core, 2_000_000)
    assert r.root_id == token_id and r.parent_id == 0 and r.due_date > r.issue_date


def test_accept_then_split_to_lower_tier(w: World) -> None:
    token_id = w.accepted(face=1_000_000)
    result = w.one(Split(sender=w.s1, token_id=token_id, to=w.s2, amount_fen=400_000))
    assert result.ok and result.gas_used > 0
    parent, child = w.ledger.receivable(token_id), w.ledger.receivable(result.token_id or 0)
    assert (parent.face_value, parent.status) == (600_000, Status.ACCEPTED)
    assert (child.holder, child.face_value, child.status) == (w.s2, 400_000, Status.ISSUED)
    assert (child.parent_id, child.root_id, child.due_date) == (token_id, token_id, parent.due_date)
    assert w.one(Accept(sender=w.s2, token_id=child.id)).ok


def test_transfer_moves_holder(w: World) -> None:
    token_id = w.accepted()
    assert w.one(Transfer(sender=w.s1, token_id=token_id, to=w.s3)).ok
    assert w.ledger.receivable(token_id).holder == w.s3


def test_finance_pays_discount_and_moves_custody(w: World) -> None:
    token_id = w.accepted(face=10_000_000, days=90)
    before = w.ledger.cash_balance(w.s1)
    result = w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank))
    tenor_s = w.ledger.receivable(token_id).due_date - w.now_s
    rate, fee, cap = TERMS.rate_bps, TERMS.fee_bps, TERMS.advance_cap_bps
    expected = 10_000_000 - (
        10_000_000 * rate * tenor_s // (365 * DAY_S * 10_000) + 10_000_000 * fee // 10_000
    )
    assert result.ok and result.payout == min(expected, 10_000_000 * cap // 10_000)
    assert w.ledger.cash_balance(w.s1) - before == result.payout
    r = w.ledger.receivable(token_id)
    assert (r.status, r.holder, r.financier, r.advance) == (
        Status.FINANCED,
        w.bank,
        w.bank,
        result.payout,
    )
    assert w.ledger.financed_outstanding(w.core) == 10_000_000


def test_repay_financed_goes_to_bank_not_supplier(w: World) -> None:
    token_id = w.financed(face=1_000_000)
    bank, s1 = w.ledger.cash_balance(w.bank), w.ledger.cash_balance(w.s1)
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=400_000)).ok
    assert w.ledger.receivable(token_id).status == Status.PARTIALLY_REPAID
    assert w.ledger.financed_outstanding(w.core) == 600_000
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=600_000)).ok
    assert w.ledger.receivable(token_id).status == Status.REPAID
    assert w.ledger.cash_balance(w.bank) - bank == 1_000_000
    assert w.ledger.cash_balance(w.s1) == s1
    assert w.ledger.financed_outstanding(w.core) == 0


def test_overdue_default_write_off(w: World) -> None:
    token_id = w.financed(face=1_000_000, days=1)
    assert w.one(MarkOverdue(sender=w.outsider, token_id=token_id), hours=24 * 9).ok
    assert w.one(MarkDefaulted(sender=w.bank, token_id=token_id), hours=24 * 60).ok
    assert w.ledger.receivable(token_id).status == Status.DEFAULTED
    assert w.one(WriteOff(sender=w.bank, token_id=token_id)).ok
    assert w.ledger.receivable(token_id).status == Status.WRITTEN_OFF
    assert w.ledger.financed_outstanding(w.core) == 0


def test_defaulted_then_paid_is_recovered(w: World) -> None:
    token_id = w.accepted(face=500_000, days=1)
    w.one(MarkOverdue(sender=w.s1, token_id=token_id), hours=24 * 9)
    w.one(MarkDefaulted(sender=w.s1, token_id=token_id), hours=24 * 60)
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=200_000)).ok
    assert w.ledger.receivable(token_id).status == Status.DEFAULTED
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=300_000)).ok
    assert w.ledger.receivable(token_id).status == Status.RECOVERED


def test_pause_blocks_and_unpause_restores(w: World) -> None:
    token_id = w.accepted()
    assert w.one(Pause(sender=w.admin)).ok
    assert w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank)).error == "EnforcedPause"
    assert w.one(Unpause(sender=w.admin)).ok
    assert w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank)).ok


def test_admin_setters(w: World) -> None:
    assert w.one(SetTerms(sender=w.bank, terms=Terms(300, 0, 10_000))).ok
    assert w.one(SetCreditLine(sender=w.bank, core=w.core2, line_fen=123)).ok
    assert w.ledger.available_line(w.core2) == 123
    assert w.ledger.available_line(w.core2, w.bank) == 123
    assert w.one(SetPolicy(sender=w.admin, policy=Policy(10 * DAY_S, DAY_S, 2 * DAY_S, 1))).ok
    token_id = w.accepted(days=30)
    assert (
        w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank)).error
        == "ReceivableLedgerTenorTooLong"
    )


# ---------------------------------------------------------------------------- reverts

Case = Callable[[World], OpResult]
REVERTS: dict[str, tuple[Case, str]] = {
    "issue by non-core (forged)": (
        lambda w: w.one(
            Issue(
                sender=w.s1,
                supplier=w.s1,
                face_fen=1_000,
                due_s=w.now_s + DAY_S,
                invoice_hash=w.new_invoice(),
            )
        ),
        "AccessControlUnauthorizedAccount",
    ),
    "issue to non-supplier": (
        lambda w: w.one(
            Issue(
                sender=w.core,
                supplier=w.outsider,
                face_fen=1_000,
                due_s=w.now_s + DAY_S,
                invoice_hash=w.new_invoice(),
            )
        ),
        "ReceivableLedgerNotSupplier",
    ),
    "issue zero": (
        lambda w: w.one(
            Issue(
                sender=w.core,
                supplier=w.s1,
                face_fen=0,
                due_s=w.now_s + DAY_S,
                invoice_hash=w.new_invoice(),
            )
        ),
        "ReceivableLedgerZeroAmount",
    ),
    "issue overflow": (
        lambda w: w.one(
            Issue(
                sender=w.core,
                supplier=w.s1,
                face_fen=2**128,
                due_s=w.now_s + DAY_S,
                invoice_hash=w.new_invoice(),
            )
        ),
        "ReceivableLedgerAmountOverflow",
    ),
    "issue due in past": (
        lambda w: w.one(
            Issue(
                sender=w.core,
                supplier=w.s1,
                face_fen=1,
                due_s=w.now_s - 1,
                invoice_hash=w.new_invoice(),
            )
        ),
        "ReceivableLedgerDueDateNotInFuture",
    ),
    "issue duplicate invoice": (lambda w: _duplicate(w), "ReceivableLedgerDuplicateInvoice"),
    "accept nonexistent": (
        lambda w: w.one(Accept(sender=w.s1, token_id=999)),
        "ERC721NonexistentToken",
    ),
    "accept by non-holder": (
        lambda w: w.one(Accept(sender=w.s2, token_id=w.issue())),
        "ReceivableLedgerNotHolder",
    ),
    "accept twice": (
        lambda w: w.one(Accept(sender=w.s1, token_id=w.accepted())),
        "ReceivableLedgerInvalidStatus",
    ),
    "split unaccepted": (
        lambda w: w.one(Split(sender=w.s1, token_id=w.issue(), to=w.s2, amount_fen=1)),
        "ReceivableLedgerInvalidStatus",
    ),
    "split to non-supplier": (
        lambda w: w.one(Split(sender=w.s1, token_id=w.accepted(), to=w.outsider, amount_fen=1)),
        "ReceivableLedgerNotSupplier",
    ),
    "split zero": (
        lambda w: w.one(Split(sender=w.s1, token_id=w.accepted(), to=w.s2, amount_fen=0)),
        "ReceivableLedgerZeroAmount",
    ),
    "split whole face": (
        lambda w: w.one(
            Split(sender=w.s1, token_id=w.accepted(1_000_000), to=w.s2, amount_fen=1_000_000)
        ),
        "ReceivableLedgerSplitTooLarge",
    ),
    "split by non-holder": (
        lambda w: w.one(Split(sender=w.s2, token_id=w.accepted(), to=w.s2, amount_fen=1)),
        "ReceivableLedgerNotHolder",
    ),
    "transfer financed by ex-holder": (
        lambda w: w.one(Transfer(sender=w.s1, token_id=w.financed(), to=w.s2)),
        "ReceivableLedgerNotHolder",
    ),
    "transfer financed by bank": (
        lambda w: w.one(Transfer(sender=w.bank, token_id=w.financed(), to=w.s2)),
        "ReceivableLedgerAlreadyFinanced",
    ),
    "transfer unaccepted": (
        lambda w: w.one(Transfer(sender=w.s1, token_id=w.issue(), to=w.s2)),
        "ReceivableLedgerInvalidStatus",
    ),
    "transfer to non-supplier": (
        lambda w: w.one(Transfer(sender=w.s1, token_id=w.accepted(), to=w.outsider)),
        "ReceivableLedgerNotSupplier",
    ),
    "double financing": (
        lambda w: w.one(Finance(sender=w.s1, token_id=w.financed(), financier=w.bank)),
        "ReceivableLedgerNotHolder",
    ),
    "finance by bank of its own custody": (
        lambda w: w.one(Finance(sender=w.bank, token_id=w.financed(), financier=w.bank)),
        "ReceivableLedgerAlreadyFinanced",
    ),
    "finance unaccepted": (
        lambda w: w.one(Finance(sender=w.s1, token_id=w.issue(), financier=w.bank)),
        "ReceivableLedgerInvalidStatus",
    ),
    "finance at non-financier": (
        lambda w: w.one(Finance(sender=w.s1, token_id=w.accepted(), financier=w.outsider)),
        "ReceivableLedgerNotFinancier",
    ),
    "finance below minimum": (
        lambda w: w.one(Finance(sender=w.s1, token_id=w.accepted(face=9_999), financier=w.bank)),
        "ReceivableLedgerBelowMinimum",
    ),
    "finance matured": (
        lambda w: w.one(
            Finance(sender=w.s1, token_id=w.accepted(days=0.05), financier=w.bank), hours=2
        ),
        "ReceivableLedgerReceivableMatured",
    ),
    "finance tenor too long": (
        lambda w: w.one(Finance(sender=w.s1, token_id=w.accepted(days=200), financier=w.bank)),
        "ReceivableLedgerTenorTooLong",
    ),
    "finance over credit line": (
        lambda w: w.one(
            Finance(sender=w.s1, token_id=w.accepted(face=10**10 + 1), financier=w.bank)
        ),
        "ReceivableLedgerCreditLineExceeded",
    ),
    "finance without terms": (lambda w: _no_terms(w), "ReceivableLedgerInvalidTerms"),
    "finance without cash": (lambda w: _broke_bank(w), "ERC20InsufficientBalance"),
    "repay by non-issuer": (
        lambda w: w.one(Repay(sender=w.s1, token_id=w.issue(), amount_fen=1)),
        "ReceivableLedgerNotIssuer",
    ),
    "repay zero": (
        lambda w: w.one(Repay(sender=w.core, token_id=w.issue(), amount_fen=0)),
        "ReceivableLedgerZeroAmount",
    ),
    "repay too much": (
        lambda w: w.one(Repay(sender=w.core, token_id=w.issue(1_000), amount_fen=1_001)),
        "ReceivableLedgerRepayTooLarge",
    ),
    "repay twice": (lambda w: _repaid_again(w), "ReceivableLedgerInvalidStatus"),
    "repay nonexistent": (
        lambda w: w.one(Repay(sender=w.core, token_id=999, amount_fen=1)),
        "ERC721NonexistentToken",
    ),
    "overdue too early": (
        lambda w: w.one(MarkOverdue(sender=w.s1, token_id=w.issue())),
        "ReceivableLedgerNotYetOverdue",
    ),
    "overdue when repaid": (
        lambda w: w.one(MarkOverdue(sender=w.s1, token_id=_repaid(w))),
        "ReceivableLedgerInvalidStatus",
    ),
    "default when not overdue": (
        lambda w: w.one(MarkDefaulted(sender=w.s1, token_id=w.issue())),
        "ReceivableLedgerInvalidStatus",
    ),
    "default too early": (lambda w: _default_early(w), "ReceivableLedgerNotYetDefaulted"),
    "default by non-holder": (
        lambda w: w.one(MarkDefaulted(sender=w.s2, token_id=w.issue())),
        "ReceivableLedgerNotHolder",
    ),
    "write off live": (
        lambda w: w.one(WriteOff(sender=w.bank, token_id=w.financed())),
        "ReceivableLedgerInvalidStatus",
    ),
    "write off by non-holder": (
        lambda w: w.one(WriteOff(sender=w.s2, token_id=w.financed())),
        "ReceivableLedgerNotHolder",
    ),
    "terms by non-bank": (
        lambda w: w.one(SetTerms(sender=w.s1, terms=Terms(1, 0, 1))),
        "AccessControlUnauthorizedAccount",
    ),
    "bad terms": (
        lambda w: w.one(SetTerms(sender=w.bank, terms=Terms(1, 0, 10_001))),
        "ReceivableLedgerInvalidTerms",
    ),
    "credit line by non-bank": (
        lambda w: w.one(SetCreditLine(sender=w.core, core=w.core, line_fen=10**15)),
        "AccessControlUnauthorizedAccount",
    ),
    "credit line zeroed by another bank": (
        lambda w: w.one(SetCreditLine(sender=w.bank2, financier=w.bank, core=w.core, line_fen=0)),
        "ReceivableLedgerNotLineOwner",
    ),
    "credit line raised by another bank": (
        lambda w: w.one(
            SetCreditLine(sender=w.bank2, financier=w.bank, core=w.core, line_fen=10**15)
        ),
        "ReceivableLedgerNotLineOwner",
    ),
    "credit line for a named non-financier": (
        lambda w: w.one(SetCreditLine(sender=w.admin, financier=w.s1, core=w.core, line_fen=1)),
        "ReceivableLedgerNotFinancier",
    ),
    "finance past the financier's own line": (
        lambda w: w.one(Finance(sender=w.s1, token_id=w.accepted(), financier=w.bank2)),
        "ReceivableLedgerCreditLineExceeded",
    ),
    "accept by revoked supplier": (
        lambda w: _revoked(w, lambda t: Accept(sender=w.s1, token_id=t), accepted=False),
        "ReceivableLedgerHolderNotSupplier",
    ),
    "split by revoked supplier": (
        lambda w: _revoked(w, lambda t: Split(sender=w.s1, token_id=t, to=w.s2, amount_fen=1)),
        "ReceivableLedgerHolderNotSupplier",
    ),
    "transfer by revoked supplier": (
        lambda w: _revoked(w, lambda t: Transfer(sender=w.s1, token_id=t, to=w.s2)),
        "ReceivableLedgerHolderNotSupplier",
    ),
    "finance by revoked supplier": (
        lambda w: _revoked(w, lambda t: Finance(sender=w.s1, token_id=t, financier=w.bank)),
        "ReceivableLedgerHolderNotSupplier",
    ),
    "finance at revoked financier": (
        lambda w: _revoked_bank(w),
        "ReceivableLedgerNotFinancier",
    ),
    "role revoke by non-admin": (
        lambda w: w.one(RevokeRole(sender=w.bank, role="SUPPLIER_ROLE", account=w.s1)),
        "AccessControlUnauthorizedAccount",
    ),
    "policy with zero tenor": (
        lambda w: w.one(SetPolicy(sender=w.admin, policy=Policy(0, DAY_S, DAY_S, 1))),
        "ReceivableLedgerPolicyZeroTenor",
    ),
    "policy defaulting before grace": (
        lambda w: w.one(SetPolicy(sender=w.admin, policy=Policy(DAY_S, 7 * DAY_S, DAY_S, 1))),
        "ReceivableLedgerPolicyDefaultBeforeGrace",
    ),
    "policy by non-admin": (
        lambda w: w.one(SetPolicy(sender=w.bank, policy=POLICY)),
        "AccessControlUnauthorizedAccount",
    ),
    "attestation by non-auditor": (
        lambda w: w.one(AttestExposure(sender=w.bank, core=w.core, outstanding_fen=0)),
        "AccessControlUnauthorizedAccount",
    ),
    "attestation of a wrong figure": (
        lambda w: w.one(AttestExposure(sender=w.auditor, core=w.core, outstanding_fen=1)),
        "ReceivableLedgerAttestationMismatch",
    ),
    "pause by non-admin": (
        lambda w: w.one(Pause(sender=w.auditor)),
        "AccessControlUnauthorizedAccount",
    ),
    "unpause when live": (lambda w: w.one(Unpause(sender=w.admin)), "ExpectedPause"),
    "role grant by non-admin": (
        lambda w: w.one(GrantRole(sender=w.core, role="SUPPLIER_ROLE", account=w.outsider)),
        "AccessControlUnauthorizedAccount",
    ),
    "mint by non-minter": (
        lambda w: w.one(Mint(sender=w.s1, to=w.s1, amount_fen=1)),
        "AccessControlUnauthorizedAccount",
    ),
    "unauthorised disbursement": (
        lambda w: w.one(CashTransferFrom(sender=w.s1, owner=w.bank, to=w.s1, amount_fen=1_000)),
        "ERC20InsufficientAllowance",
    ),
    "issue while paused": (
        lambda w: _paused(
            w,
            Issue(
                sender=w.core,
                supplier=w.s1,
                face_fen=1,
                due_s=w.now_s + DAY_S,
                invoice_hash=w.new_invoice(),
            ),
        ),
        "EnforcedPause",
    ),
    "transfer while paused": (
        lambda w: _paused(w, Transfer(sender=w.s1, token_id=w.accepted(), to=w.s2)),
        "EnforcedPause",
    ),
}


def _duplicate(w: World) -> OpResult:
    inv = w.new_invoice()
    assert w.one(
        Issue(sender=w.core, supplier=w.s1, face_fen=1_000, due_s=w.now_s + DAY_S, invoice_hash=inv)
    ).ok
    return w.one(
        Issue(
            sender=w.core2, supplier=w.s1, face_fen=1_000, due_s=w.now_s + DAY_S, invoice_hash=inv
        )
    )


def _no_terms(w: World) -> OpResult:
    token_id = w.accepted()
    assert w.one(GrantRole(sender=w.admin, role="FINANCIER_ROLE", account=w.auditor)).ok
    line = SetCreditLine(sender=w.admin, financier=w.auditor, core=w.core, line_fen=CREDIT_LINE)
    assert w.one(line).ok
    return w.one(Finance(sender=w.s1, token_id=token_id, financier=w.auditor))


def _broke_bank(w: World) -> OpResult:
    token_id = w.accepted()
    assert w.one(GrantRole(sender=w.admin, role="FINANCIER_ROLE", account=w.s3)).ok
    assert w.one(SetTerms(sender=w.s3, terms=TERMS)).ok
    assert w.one(SetCreditLine(sender=w.s3, core=w.core, line_fen=CREDIT_LINE)).ok
    assert w.one(ApproveCash(sender=w.s3, amount_fen=2**256 - 1)).ok
    return w.one(Finance(sender=w.s1, token_id=token_id, financier=w.s3))


def _repaid(w: World) -> int:
    token_id = w.issue(1_000)
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=1_000)).ok
    return token_id


def _repaid_again(w: World) -> OpResult:
    return w.one(Repay(sender=w.core, token_id=_repaid(w), amount_fen=1))


def _default_early(w: World) -> OpResult:
    token_id = w.accepted(days=1)
    assert w.one(MarkOverdue(sender=w.s1, token_id=token_id), hours=24 * 9).ok
    return w.one(MarkDefaulted(sender=w.s1, token_id=token_id))


def _revoked(w: World, act: Callable[[int], LedgerOp], accepted: bool = True) -> OpResult:
    token_id = w.accepted() if accepted else w.issue()
    assert w.one(RevokeRole(sender=w.admin, role="SUPPLIER_ROLE", account=w.s1)).ok
    return w.one(act(token_id))


def _revoked_bank(w: World) -> OpResult:
    token_id = w.accepted()
    assert w.one(RevokeRole(sender=w.admin, role="FINANCIER_ROLE", account=w.bank)).ok
    return w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank))


def _paused(w: World, op: LedgerOp) -> OpResult:
    assert w.one(Pause(sender=w.admin)).ok
    return w.one(op)


@pytest.mark.parametrize("name", list(REVERTS))
def test_revert_is_decoded_data(wb: World, name: str) -> None:
    case, expected = REVERTS[name]
    result = case(wb)
    assert not result.ok
    assert result.error == expected, (result.error, result.error_args)
    on_chain = isinstance(wb.ledger, ChainLedger)
    assert not on_chain or (result.tx_hash and result.gas_used > 0)


# ---------------------------------------------------------------------------- issue 11


def test_two_financiers_each_held_to_its_own_line(wb: World) -> None:
    w = wb
    assert w.one(SetCreditLine(sender=w.bank2, core=w.core, line_fen=1_500_000)).ok
    assert w.one(SetCreditLine(sender=w.bank, core=w.core, line_fen=2_000_000)).ok
    a, b, c = (w.accepted(face=1_000_000) for _ in range(3))
    first, second, third = w.run(
        Finance(sender=w.s1, token_id=a, financier=w.bank2),
        Finance(sender=w.s1, token_id=b, financier=w.bank2),
        Finance(sender=w.s1, token_id=c, financier=w.bank),
    )
    assert first.ok and third.ok
    assert second.error == "ReceivableLedgerCreditLineExceeded"
    assert second.error_args[:2] == (w.bank2, w.core) and second.error_args[3] == 500_000
    assert w.ledger.financed_outstanding(w.core, w.bank2) == 1_000_000
    assert w.ledger.financed_outstanding(w.core, w.bank) == 1_000_000
    assert w.ledger.financed_outstanding(w.core) == 2_000_000
    assert w.ledger.available_line(w.core, w.bank2) == 500_000
    assert w.ledger.available_line(w.core, w.bank) == 1_000_000
    assert w.ledger.available_line(w.core) == 1_500_000
    assert w.one(Repay(sender=w.core, token_id=a, amount_fen=1_000_000)).ok
    assert w.ledger.available_line(w.core, w.bank2) == 1_500_000
    assert w.ledger.available_line(w.core, w.bank) == 1_000_000


def test_second_financier_can_neither_zero_nor_raise_the_first_line(wb: World) -> None:
    w = wb
    assert w.one(SetCreditLine(sender=w.bank, core=w.core, line_fen=1_000_000)).ok
    for line in (0, 10**15):
        attempt = w.one(SetCreditLine(sender=w.bank2, financier=w.bank, core=w.core, line_fen=line))
        assert attempt.error == "ReceivableLedgerNotLineOwner", attempt
    # its own line of 10^15 leaves the first bank's limit where it was
    assert w.one(SetCreditLine(sender=w.bank2, core=w.core, line_fen=10**15)).ok
    assert w.ledger.available_line(w.core, w.bank) == 1_000_000
    a, b = w.accepted(face=1_000_000), w.accepted(face=1_000_000)
    ok, refused = w.run(
        Finance(sender=w.s1, token_id=a, financier=w.bank),
        Finance(sender=w.s1, token_id=b, financier=w.bank),
    )
    assert ok.ok and refused.error == "ReceivableLedgerCreditLineExceeded"


def test_admin_sets_a_named_financiers_line(wb: World) -> None:
    w = wb
    result = w.one(SetCreditLine(sender=w.admin, financier=w.bank2, core=w.core2, line_fen=7))
    assert result.ok and w.ledger.available_line(w.core2, w.bank2) == 7
    assert w.ledger.available_line(w.core2, w.bank) == 0
    if isinstance(w.ledger, ChainLedger):
        assert result.events == ("CreditLineUpdated",)


def test_revoked_supplier_still_collects_and_closes_what_it_holds(wb: World) -> None:
    """Revocation stops new acts on a holding, not the core's debt or loss recognition."""
    w = wb
    repaid, lost = w.accepted(face=500_000, days=1), w.accepted(face=300_000, days=1)
    assert w.one(RevokeRole(sender=w.admin, role="SUPPLIER_ROLE", account=w.s1)).ok
    before = w.ledger.cash_balance(w.s1)
    assert w.one(Repay(sender=w.core, token_id=repaid, amount_fen=500_000)).ok
    assert w.ledger.cash_balance(w.s1) - before == 500_000
    assert w.one(MarkOverdue(sender=w.s1, token_id=lost), hours=24 * 9).ok
    assert w.one(MarkDefaulted(sender=w.s1, token_id=lost), hours=24 * 60).ok
    assert w.one(WriteOff(sender=w.s1, token_id=lost)).ok
    assert w.ledger.receivable(lost).status == Status.WRITTEN_OFF
    assert w.one(GrantRole(sender=w.admin, role="SUPPLIER_ROLE", account=w.s1)).ok
    token_id = w.accepted()
    assert w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank)).ok


def test_revoked_financier_keeps_collecting(wb: World) -> None:
    w = wb
    token_id = w.financed(face=1_000_000)
    assert w.one(RevokeRole(sender=w.admin, role="FINANCIER_ROLE", account=w.bank)).ok
    assert w.one(SetCreditLine(sender=w.bank, core=w.core, line_fen=1)).error == (
        "AccessControlUnauthorizedAccount"
    )
    before = w.ledger.cash_balance(w.bank)
    assert w.one(Repay(sender=w.core, token_id=token_id, amount_fen=1_000_000)).ok
    assert w.ledger.cash_balance(w.bank) - before == 1_000_000


def test_auditor_attests_the_book_even_while_paused(wb: World) -> None:
    w = wb
    w.financed(face=1_000_000)
    w.financed(face=2_000_000)
    assert w.one(Pause(sender=w.admin)).ok
    attest = AttestExposure(
        sender=w.auditor, core=w.core, outstanding_fen=3_000_000, report_hash=w.new_invoice()
    )
    result = w.one(attest)
    assert result.ok
    if isinstance(w.ledger, ChainLedger):
        assert result.events == ("ExposureAttested",)


@pytest.mark.parametrize(
    "policy",
    [Policy(0, DAY_S, DAY_S, 1), Policy(DAY_S, 2 * DAY_S, DAY_S, 1)],
    ids=["zero-tenor", "default-before-grace"],
)
def test_bad_policy_refused_at_deployment_too(anvil_url: str, policy: Policy) -> None:
    from products.ledger.cash import Revert
    from products.ledger.fake import FakeLedger
    from products.ledger.rpc import JsonRpc
    from sim.kernel.errors import ChainError

    with pytest.raises(Revert):
        FakeLedger("0x" + "11" * 20, policy)
    rpc = JsonRpc(anvil_url)
    latest = int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
    with pytest.raises(ChainError, match="deployment failed"):
        ChainLedger(rpc, "0x" + "11" * 20, policy, latest + 10)
    rpc.close()


def test_zero_minimum_policy_is_accepted(wb: World) -> None:
    """``minAmount`` 0 means no minimum beyond a non-zero face (the documented rule)."""
    assert wb.one(SetPolicy(sender=wb.admin, policy=Policy(DAY_S, 0, 0, 0))).ok


def test_reverted_op_leaves_state_untouched(w: World) -> None:
    token_id = w.financed()
    before = (
        w.ledger.receivable(token_id),
        w.ledger.cash_balance(w.s1),
        w.ledger.cash_balance(w.bank),
    )
    assert not w.one(Finance(sender=w.s1, token_id=token_id, financier=w.bank)).ok
    after = (
        w.ledger.receivable(token_id),
        w.ledger.cash_balance(w.s1),
        w.ledger.cash_balance(w.bank),
    )
    assert before == after


def test_unknown_token_view_is_empty(w: World) -> None:
    r = w.ledger.receivable(12_345)
    assert (r.status, r.holder) == (Status.NONE, ZERO)


def test_every_state_change_emits_its_event(w: World) -> None:
    token_id = w.accepted(face=1_000_000, days=1)
    emitted = {
        "split": w.one(Split(sender=w.s1, token_id=token_id, to=w.s2, amount_fen=100_000)).events,
        "transfer": w.one(Transfer(sender=w.s1, token_id=token_id, to=w.s3)).events,
        "finance": w.one(Finance(sender=w.s3, token_id=token_id, financier=w.bank)).events,
        "repay": w.one(Repay(sender=w.core, token_id=token_id, amount_fen=100_000)).events,
        "overdue": w.one(MarkOverdue(sender=w.s1, token_id=token_id), hours=24 * 9).events,
        "default": w.one(MarkDefaulted(sender=w.bank, token_id=token_id), hours=24 * 61).events,
        "write_off": w.one(WriteOff(sender=w.bank, token_id=token_id)).events,
        "terms": w.one(SetTerms(sender=w.bank, terms=TERMS)).events,
        "line": w.one(SetCreditLine(sender=w.bank, core=w.core, line_fen=1)).events,
        "policy": w.one(SetPolicy(sender=w.admin, policy=Policy(DAY_S, DAY_S, DAY_S, 1))).events,
        "revoke": w.one(RevokeRole(sender=w.admin, role="AUDITOR_ROLE", account=w.auditor)).events,
        "pause": w.one(Pause(sender=w.admin)).events + w.one(Unpause(sender=w.admin)).events,
    }
    assert emitted["split"] == ("Transfer", "ReceivableSplit")
    assert emitted["transfer"] == ("Transfer",)
    assert emitted["finance"] == (
        "Transfer",
        "ReceivableFinanced",
        "Transfer",
    )  # custody, record, cash
    assert emitted["repay"] == ("ReceivableRepaid", "Transfer")
    assert emitted["overdue"] == ("ReceivableOverdue",)
    assert emitted["default"] == ("ReceivableDefaulted",)
    assert emitted["write_off"] == ("ReceivableWrittenOff",)
    assert emitted["terms"] == ("TermsUpdated",)
    assert emitted["line"] == ("CreditLineUpdated",)
    assert emitted["policy"] == ("PolicyUpdated",)
    assert emitted["revoke"] == ("RoleRevoked",)
    assert emitted["pause"] == ("Paused", "Unpaused")
    issued = w.one(
        Issue(
            sender=w.core,
            supplier=w.s1,
            face_fen=5,
            due_s=w.now_s + DAY_S,
            invoice_hash=w.new_invoice(),
        )
    )
    assert issued.events == ("Transfer", "ReceivableIssued") and issued.token_id is not None
    assert w.one(Accept(sender=w.s1, token_id=issued.token_id)).events == ("ReceivableAccepted",)


def test_ledger_errors_carry_the_contracts_name() -> None:
    """Errors of our own are declared in IReceivableLedger and prefixed OpenZeppelin-style."""
    inherited = ("AccessControl", "ERC721", "Enforced", "Expected", "ReentrancyGuard", "SafeERC20")
    abi = load_artifact("ReceivableLedger").abi
    own = [e["name"] for e in abi if e["type"] == "error" and not e["name"].startswith(inherited)]
    assert own and all(name.startswith("ReceivableLedger") for name in own), own
    source = (SOURCE_DIR / "IReceivableLedger.sol").read_text()
    assert all(f"error {name}(" in source for name in own)
