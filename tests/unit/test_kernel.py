"""The kernel's calendar (one sim-day → report-month mapping) and its event pipeline."""

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.kernel.calendar import Calendar, month_end_days
from sim.kernel.events import Event, EventBus


@dataclass(frozen=True, kw_only=True, slots=True)
class Paid(Event):
    kind: ClassVar[str] = "paid"
    unlogged: ClassVar[frozenset[str]] = frozenset({"book"})
    agent: int
    amount: float
    tier: int
    book: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Late(Paid):
    kind: ClassVar[str] = "late"


def test_calendar_months_of_a_first_of_month_start_are_calendar_months():
    cal = Calendar.build(dt.date(2025, 1, 1), 12)
    assert cal.days == 365
    assert cal.month_start_days[:3] == [0, 31, 59]
    assert (cal.month(30), cal.month(31), cal.month(364)) == (0, 1, 11)
    assert cal.is_month_end(30) and not cal.is_month_end(31)
    assert cal.is_month_start(31) and not cal.is_month_start(0)
    assert int(cal.calendar_month[59]) == 3


def test_calendar_mid_month_start_ends_months_on_the_start_day():
    cal = Calendar.build(dt.date(2025, 1, 15), 2)
    assert cal.month_end_days == (30, 58)  # Feb 14, Mar 14
    assert cal.month(30) == 0 and cal.month(31) == 1
    assert cal.month(10_000) == 1  # past the horizon: the last month


@given(
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)),
    months=st.integers(1, 36),
)
def test_calendar_months_partition_the_horizon(start, months):
    cal = Calendar.build(start, months)
    assert cal.days == month_end_days(start, months)[-1] + 1
    assert list(cal.month_of_day) == sorted(cal.month_of_day)
    assert [cal.month(d) for d in cal.month_end_days] == list(range(months))
    assert all(27 <= b - a <= 31 for a, b in itertools.pairwise(cal.month_end_days))


def test_event_log_row_splits_agent_amount_detail_and_drops_unlogged():
    event = Paid(t_hours=5.0, agent=7, amount=2, tier=1, book=(1, 2))
    assert event.log_row() == ("7", 2.0, {"tier": 1})


def test_bus_routes_by_type_in_subscription_order():
    bus = EventBus()
    seen = []
    bus.subscribe(lambda e: seen.append(("all", e.kind)))
    bus.subscribe(lambda e: seen.append(("late", e.kind)), Late)
    bus.subscribe(lambda e: seen.append(("paid", e.kind)), Paid)
    bus.emit(Paid(t_hours=0, agent=1, amount=1, tier=1))
    bus.emit(Late(t_hours=1, agent=1, amount=1, tier=1))
    assert seen == [
        ("all", "paid"),
        ("paid", "paid"),
        ("all", "late"),
        ("late", "late"),
        ("paid", "late"),
    ]


def test_events_are_immutable():
    with pytest.raises(AttributeError):
        Paid(t_hours=0, agent=1, amount=1, tier=1).tier = 2  # type: ignore[misc]
