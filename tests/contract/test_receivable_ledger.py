"""ReceivableLedger.sol on a real Anvil: every lifecycle transition and every revert path."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from products.ledger.cash import ZERO
from products.ledger.port import OpResult, Status
from products.ledger.testing import DAY_S, TERMS, World, open_world, running_anvil

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    with running_anvil() as url:
        yield url


@pytest.fixture
def w(anvil_url: str, request: pytest.FixtureRequest) -> Iterator[World]:
    with open_world("chain", request.node.name, anvil_url) as world:
        yield world


# ---------------------------------------------------------------------------- transitions


def test_issue_mints_to_supplier_with_full_record(w: World) -> None:
    token_id = w.issue(face=2_000_000, days=60)
    r = w.ledger.receivable(token_id)
    assert (r.status, r.holder, r.issuer, r.face_value) == (Status.ISSUED, w.s1, w.core, 2_000_000)
    assert r.root_id == token_id and r.parent_id == 0 and r.due_date > r.issue_date


def test_accept_then_split_to_lower_tier(w: World) -> None:
    token_id = w.accepted(face=1_000_000)
    result = w.one("split", w.s1, token_id, w.s2, 400_000)
    assert result.ok and result.gas_used > 0
    parent, child = w.ledger.receivable(token_id), w.ledger.receivable(result.token_id or 0)
    assert (parent.face_value, parent.status) == (600_000, Status.ACCEPTED)
    assert (child.holder, child.face_value, child.status) == (w.s2, 400_000, Status.ISSUED)
    assert (child.parent_id, child.root_id, child.due_date) == (token_id, token_id, parent.due_date)
    assert w.one("accept", w.s2, child.id).ok


def test_transfer_moves_holder(w: World) -> None:
    token_id = w.accepted()
    assert w.one("transfer", w.s1, token_id, w.s3).ok
    assert w.ledger.receivable(token_id).holder == w.s3


def test_finance_pays_discount_and_moves_custody(w: World) -> None:
    token_id = w.accepted(face=10_000_000, days=90)
    before = w.ledger.cash_balance(w.s1)
    result = w.one("finance", w.s1, token_id, w.bank)
    tenor_s = w.ledger.receivable(token_id).due_date - w.now_s
    rate, fee, cap = TERMS
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
    assert w.one("repay", w.core, token_id, 400_000).ok
    assert w.ledger.receivable(token_id).status == Status.PARTIALLY_REPAID
    assert w.ledger.financed_outstanding(w.core) == 600_000
    assert w.one("repay", w.core, token_id, 600_000).ok
    assert w.ledger.receivable(token_id).status == Status.REPAID
    assert w.ledger.cash_balance(w.bank) - bank == 1_000_000
    assert w.ledger.cash_balance(w.s1) == s1
    assert w.ledger.financed_outstanding(w.core) == 0


def test_overdue_default_write_off(w: World) -> None:
    token_id = w.financed(face=1_000_000, days=1)
    assert w.one("mark_overdue", w.outsider, token_id, hours=24 * 9).ok
    assert w.one("mark_defaulted", w.bank, token_id, hours=24 * 60).ok
    assert w.ledger.receivable(token_id).status == Status.DEFAULTED
    assert w.one("write_off", w.bank, token_id).ok
    assert w.ledger.receivable(token_id).status == Status.WRITTEN_OFF
    assert w.ledger.financed_outstanding(w.core) == 0


def test_defaulted_then_paid_is_recovered(w: World) -> None:
    token_id = w.accepted(face=500_000, days=1)
    w.one("mark_overdue", w.s1, token_id, hours=24 * 9)
    w.one("mark_defaulted", w.s1, token_id, hours=24 * 60)
    assert w.one("repay", w.core, token_id, 200_000).ok
    assert w.ledger.receivable(token_id).status == Status.DEFAULTED
    assert w.one("repay", w.core, token_id, 300_000).ok
    assert w.ledger.receivable(token_id).status == Status.RECOVERED


def test_pause_blocks_and_unpause_restores(w: World) -> None:
    token_id = w.accepted()
    assert w.one("pause", w.admin).ok
    assert w.one("finance", w.s1, token_id, w.bank).error == "EnforcedPause"
    assert w.one("unpause", w.admin).ok
    assert w.one("finance", w.s1, token_id, w.bank).ok


def test_admin_setters(w: World) -> None:
    assert w.one("set_terms", w.bank, 300, 0, 10_000).ok
    assert w.one("set_credit_line", w.bank, w.core2, 123).ok
    assert w.ledger.available_line(w.core2) == 123
    assert w.one("set_policy", w.admin, 10 * DAY_S, DAY_S, 2 * DAY_S, 1).ok
    token_id = w.accepted(days=30)
    assert w.one("finance", w.s1, token_id, w.bank).error == "TenorTooLong"


# ---------------------------------------------------------------------------- reverts

Case = Callable[[World], OpResult]
REVERTS: dict[str, tuple[Case, str]] = {
    "issue by non-core (forged)": (
        lambda w: w.one("issue", w.s1, w.s1, 1_000, w.now_s + DAY_S, w.new_invoice()),
        "AccessControlUnauthorizedAccount",
    ),
    "issue to non-supplier": (
        lambda w: w.one("issue", w.core, w.outsider, 1_000, w.now_s + DAY_S, w.new_invoice()),
        "NotSupplier",
    ),
    "issue zero": (
        lambda w: w.one("issue", w.core, w.s1, 0, w.now_s + DAY_S, w.new_invoice()),
        "ZeroAmount",
    ),
    "issue overflow": (
        lambda w: w.one("issue", w.core, w.s1, 2**128, w.now_s + DAY_S, w.new_invoice()),
        "AmountOverflow",
    ),
    "issue due in past": (
        lambda w: w.one("issue", w.core, w.s1, 1, w.now_s - 1, w.new_invoice()),
        "DueDateNotInFuture",
    ),
    "issue duplicate invoice": (lambda w: _duplicate(w), "DuplicateInvoice"),
    "accept nonexistent": (lambda w: w.one("accept", w.s1, 999), "ERC721NonexistentToken"),
    "accept by non-holder": (lambda w: w.one("accept", w.s2, w.issue()), "NotHolder"),
    "accept twice": (lambda w: w.one("accept", w.s1, w.accepted()), "InvalidStatus"),
    "split unaccepted": (lambda w: w.one("split", w.s1, w.issue(), w.s2, 1), "InvalidStatus"),
    "split to non-supplier": (
        lambda w: w.one("split", w.s1, w.accepted(), w.outsider, 1),
        "NotSupplier",
    ),
    "split zero": (lambda w: w.one("split", w.s1, w.accepted(), w.s2, 0), "ZeroAmount"),
    "split whole face": (
        lambda w: w.one("split", w.s1, w.accepted(1_000_000), w.s2, 1_000_000),
        "SplitTooLarge",
    ),
    "split by non-holder": (lambda w: w.one("split", w.s2, w.accepted(), w.s2, 1), "NotHolder"),
    "transfer financed by ex-holder": (
        lambda w: w.one("transfer", w.s1, w.financed(), w.s2),
        "NotHolder",
    ),
    "transfer financed by bank": (
        lambda w: w.one("transfer", w.bank, w.financed(), w.s2),
        "AlreadyFinanced",
    ),
    "transfer unaccepted": (lambda w: w.one("transfer", w.s1, w.issue(), w.s2), "InvalidStatus"),
    "transfer to non-supplier": (
        lambda w: w.one("transfer", w.s1, w.accepted(), w.outsider),
        "NotSupplier",
    ),
    "double financing": (lambda w: w.one("finance", w.s1, w.financed(), w.bank), "NotHolder"),
    "finance by bank of its own custody": (
        lambda w: w.one("finance", w.bank, w.financed(), w.bank),
        "AlreadyFinanced",
    ),
    "finance unaccepted": (lambda w: w.one("finance", w.s1, w.issue(), w.bank), "InvalidStatus"),
    "finance at non-financier": (
        lambda w: w.one("finance", w.s1, w.accepted(), w.outsider),
        "NotFinancier",
    ),
    "finance below minimum": (
        lambda w: w.one("finance", w.s1, w.accepted(face=9_999), w.bank),
        "BelowMinimum",
    ),
    "finance matured": (
        lambda w: w.one("finance", w.s1, w.accepted(days=0.05), w.bank, hours=2),
        "ReceivableMatured",
    ),
    "finance tenor too long": (
        lambda w: w.one("finance", w.s1, w.accepted(days=200), w.bank),
        "TenorTooLong",
    ),
    "finance over credit line": (
        lambda w: w.one("finance", w.s1, w.accepted(face=10**10 + 1), w.bank),
        "CreditLineExceeded",
    ),
    "finance without terms": (lambda w: _no_terms(w), "InvalidTerms"),
    "finance without cash": (lambda w: _broke_bank(w), "ERC20InsufficientBalance"),
    "repay by non-issuer": (lambda w: w.one("repay", w.s1, w.issue(), 1), "NotIssuer"),
    "repay zero": (lambda w: w.one("repay", w.core, w.issue(), 0), "ZeroAmount"),
    "repay too much": (lambda w: w.one("repay", w.core, w.issue(1_000), 1_001), "RepayTooLarge"),
    "repay twice": (lambda w: _repaid_again(w), "InvalidStatus"),
    "repay nonexistent": (lambda w: w.one("repay", w.core, 999, 1), "ERC721NonexistentToken"),
    "overdue too early": (lambda w: w.one("mark_overdue", w.s1, w.issue()), "NotYetOverdue"),
    "overdue when repaid": (lambda w: w.one("mark_overdue", w.s1, _repaid(w)), "InvalidStatus"),
    "default when not overdue": (
        lambda w: w.one("mark_defaulted", w.s1, w.issue()),
        "InvalidStatus",
    ),
    "default too early": (lambda w: _default_early(w), "NotYetDefaulted"),
    "default by non-holder": (lambda w: w.one("mark_defaulted", w.s2, w.issue()), "NotHolder"),
    "write off live": (lambda w: w.one("write_off", w.bank, w.financed()), "InvalidStatus"),
    "write off by non-holder": (lambda w: w.one("write_off", w.s2, w.financed()), "NotHolder"),
    "terms by non-bank": (
        lambda w: w.one("set_terms", w.s1, 1, 0, 1),
        "AccessControlUnauthorizedAccount",
    ),
    "bad terms": (lambda w: w.one("set_terms", w.bank, 1, 0, 10_001), "InvalidTerms"),
    "credit line by non-bank": (
        lambda w: w.one("set_credit_line", w.core, w.core, 10**15),
        "AccessControlUnauthorizedAccount",
    ),
    "pause by non-admin": (lambda w: w.one("pause", w.auditor), "AccessControlUnauthorizedAccount"),
    "unpause when live": (lambda w: w.one("unpause", w.admin), "ExpectedPause"),
    "role grant by non-admin": (
        lambda w: w.one("grant_role", w.core, "SUPPLIER_ROLE", w.outsider),
        "AccessControlUnauthorizedAccount",
    ),
    "mint by non-minter": (
        lambda w: w.one("mint", w.s1, w.s1, 1),
        "AccessControlUnauthorizedAccount",
    ),
    "unauthorised disbursement": (
        lambda w: w.one("cash_transfer_from", w.s1, w.bank, w.s1, 1_000),
        "ERC20InsufficientAllowance",
    ),
    "issue while paused": (
        lambda w: _paused(w, "issue", w.core, w.s1, 1, w.now_s + DAY_S, w.new_invoice()),
        "EnforcedPause",
    ),
    "transfer while paused": (
        lambda w: _paused(w, "transfer", w.s1, w.accepted(), w.s2),
        "EnforcedPause",
    ),
}


def _duplicate(w: World) -> OpResult:
    inv = w.new_invoice()
    assert w.one("issue", w.core, w.s1, 1_000, w.now_s + DAY_S, inv).ok
    return w.one("issue", w.core2, w.s1, 1_000, w.now_s + DAY_S, inv)


def _no_terms(w: World) -> OpResult:
    token_id = w.accepted()
    assert w.one("grant_role", w.admin, "FINANCIER_ROLE", w.auditor).ok
    return w.one("finance", w.s1, token_id, w.auditor)


def _broke_bank(w: World) -> OpResult:
    token_id = w.accepted()
    assert w.one("grant_role", w.admin, "FINANCIER_ROLE", w.s3).ok
    assert w.one("set_terms", w.s3, *TERMS).ok
    assert w.one("approve_cash", w.s3, 2**256 - 1).ok
    return w.one("finance", w.s1, token_id, w.s3)


def _repaid(w: World) -> int:
    token_id = w.issue(1_000)
    assert w.one("repay", w.core, token_id, 1_000).ok
    return token_id


def _repaid_again(w: World) -> OpResult:
    return w.one("repay", w.core, _repaid(w), 1)


def _default_early(w: World) -> OpResult:
    token_id = w.accepted(days=1)
    assert w.one("mark_overdue", w.s1, token_id, hours=24 * 9).ok
    return w.one("mark_defaulted", w.s1, token_id)


def _paused(w: World, kind: str, sender: str, *args: object) -> OpResult:
    assert w.one("pause", w.admin).ok
    return w.one(kind, sender, *args)


@pytest.mark.parametrize("name", list(REVERTS))
def test_revert_is_decoded_data(w: World, name: str) -> None:
    case, expected = REVERTS[name]
    result = case(w)
    assert not result.ok
    assert result.error == expected, (result.error, result.error_args)
    assert result.tx_hash and result.gas_used > 0


def test_reverted_op_leaves_state_untouched(w: World) -> None:
    token_id = w.financed()
    before = (
        w.ledger.receivable(token_id),
        w.ledger.cash_balance(w.s1),
        w.ledger.cash_balance(w.bank),
    )
    assert not w.one("finance", w.s1, token_id, w.bank).ok
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
        "split": w.one("split", w.s1, token_id, w.s2, 100_000).events,
        "transfer": w.one("transfer", w.s1, token_id, w.s3).events,
        "finance": w.one("finance", w.s3, token_id, w.bank).events,
        "repay": w.one("repay", w.core, token_id, 100_000).events,
        "overdue": w.one("mark_overdue", w.s1, token_id, hours=24 * 9).events,
        "default": w.one("mark_defaulted", w.bank, token_id, hours=24 * 61).events,
        "write_off": w.one("write_off", w.bank, token_id).events,
        "terms": w.one("set_terms", w.bank, *TERMS).events,
        "line": w.one("set_credit_line", w.bank, w.core, 1).events,
        "policy": w.one("set_policy", w.admin, DAY_S, DAY_S, DAY_S, 1).events,
        "pause": w.one("pause", w.admin).events + w.one("unpause", w.admin).events,
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
    assert emitted["pause"] == ("Paused", "Unpaused")
    issued = w.one("issue", w.core, w.s1, 5, w.now_s + DAY_S, w.new_invoice())
    assert issued.events == ("Transfer", "ReceivableIssued")
    assert w.one("accept", w.s1, issued.token_id).events == ("ReceivableAccepted",)
