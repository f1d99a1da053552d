"""Revolving ledger: delinquency clock, write-off, recovery, and invariants under random use."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from products.credit.book import FROZEN, OPEN, WRITTEN_OFF, BookTerms, RevolvingBook


def _book(n: int = 2) -> RevolvingBook:
    terms = BookTerms(npl_dpd=90, write_off_dpd=180, min_principal_share=0.1, recovery_lag_days=30)
    book = RevolvingBook(n, terms)
    book.open(np.arange(n), np.full(n, 100_000), np.full(n, 0.001), day=0)
    return book


def test_draw_is_capped_by_headroom_and_frozen_lines_cannot_draw() -> None:
    book = _book()
    drawn = book.draw(np.array([150_000, 40_000]))
    assert drawn.tolist() == [100_000, 40_000]
    book.set_frozen(np.array([1]), True)
    assert book.status[1] == FROZEN
    assert book.draw(np.array([10, 10])).tolist() == [0, 0]


def test_payment_goes_to_interest_first() -> None:
    book = _book(1)
    book.draw(np.array([50_000]))
    book.accrue()
    assert book.interest_fen[0] == 50
    paid = book.repay(np.array([30]))
    assert paid[0] == 30 and book.interest_fen[0] == 20 and book.principal_fen[0] == 50_000


def test_missed_bill_counts_days_past_due_until_cured() -> None:
    book = _book(1)
    book.draw(np.array([50_000]))
    book.bill(day=29)  # first bill: 10% of principal
    assert book.due_fen[0] == 5_000
    book.bill(day=59)  # unpaid -> past due from day 59
    assert book.dpd(100)[0] == 41
    assert book.available_fen()[0] == 0  # no draws while in arrears
    book.repay(np.array([book.due_fen[0]]))
    assert book.dpd(100)[0] == 0
    assert book.available_fen()[0] == book.limit_fen[0] - book.principal_fen[0]


def test_npl_at_90_dpd_then_write_off_and_recovery() -> None:
    book = _book(1)
    book.draw(np.array([50_000]))
    book.bill(day=0)
    book.bill(day=1)  # past due since day 1
    new_default, off, _ = book.age(day=90)
    assert new_default.size == 0 and off.size == 0
    new_default, off, _ = book.age(day=91)
    assert new_default.tolist() == [0] and book.defaulted[0]
    assert book.npl_fen(91) == book.outstanding_fen() == 50_000
    assert book.draw(np.array([1])).tolist() == [0]
    new_default, off, amounts = book.age(day=181)
    assert off.tolist() == [0] and amounts.tolist() == [50_000]
    assert book.status[0] == WRITTEN_OFF and book.outstanding_fen() == 0
    book.schedule_recovery(181, off, amounts // 10)
    assert book.collect_recoveries(200) == 0
    assert book.collect_recoveries(211) == 5_000
    assert book.totals.recovered == 5_000 and book.totals.written_off == 50_000


operation = st.tuples(
    st.sampled_from(["draw", "repay", "accrue", "bill", "age", "limit", "freeze", "unfreeze"]),
    st.lists(st.integers(-5_000, 200_000), min_size=4, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(operation, min_size=1, max_size=60))
def test_invariants_hold_under_any_sequence(ops: list[tuple[str, list[int]]]) -> None:
    terms = BookTerms(npl_dpd=10, write_off_dpd=20, min_principal_share=0.2, recovery_lag_days=5)
    book = RevolvingBook(4, terms)
    book.open(np.arange(4), np.array([50_000, 100_000, 0, 10]), np.full(4, 0.002), day=0)
    for day, (name, values) in enumerate(ops):
        amounts = np.array(values, dtype=np.int64)
        if name == "draw":
            headroom = book.available_fen()
            drawn = book.draw(amounts)
            assert np.all(drawn <= headroom) and np.all(drawn >= 0)
            assert np.all(book.principal_fen[drawn > 0] <= book.limit_fen[drawn > 0])
        elif name == "repay":
            owed = book.owed_fen.copy()
            paid = book.repay(amounts)
            assert np.all(paid <= np.maximum(amounts, 0)) and np.all(paid <= owed)
        elif name == "accrue":
            book.accrue()
        elif name == "bill":
            book.bill(day)
        elif name == "age":
            book.age(day)
        elif name == "limit":
            book.set_limit(np.arange(4), amounts)
        else:
            book.set_frozen(np.arange(4), name == "freeze")
        assert np.all(book.principal_fen >= 0) and np.all(book.interest_fen >= 0)
        assert np.all(book.due_fen >= 0) and np.all(book.due_fen <= np.maximum(book.owed_fen, 0))
        assert np.all(book.limit_fen >= 0)
        assert np.all(book.available_fen() <= book.limit_fen)
        t = book.totals
        assert t.drawn - t.repaid_principal >= int(book.principal_fen.sum())
        assert np.all(book.available_fen()[book.defaulted] == 0)
        assert np.all(book.available_fen()[book.status != OPEN] == 0)
