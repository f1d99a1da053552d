"""Units and the calendar: the one place that says how long a month is and what a fen is.

Sim time is hours from the scenario's ``start`` (the SimPy clock's unit). Rates quoted per month
(deliveries, attacks, hazards) use :data:`DAYS_PER_MONTH`, the average calendar month; reports use
:class:`Calendar`, whose months end on the start's day-of-month (capped at 28) of each next
calendar month, so a mid-month start gives the same report months in every case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

HOURS_PER_DAY = 24
#: Seconds in a sim day (chain timestamps are unix seconds).
DAY_S = 86_400
#: The average calendar month in days (365 / 12 ≈ 30.42, rounded), for per-month rates.
DAYS_PER_MONTH = 30.4
#: Fen per yuan: money on chain and in ledgers is integer fen.
FEN = 100


def month_end_days(start: dt.date, months: int) -> list[int]:
    """Last sim day of each of ``months`` run months, a month ending on the start's day-of-month
    (capped at 28) of the next calendar month."""
    ends = []
    for m in range(1, months + 1):
        index = start.month - 1 + m
        end = dt.date(start.year + index // 12, index % 12 + 1, min(start.day, 28))
        ends.append((end - start).days - 1)
    return ends


@dataclass(frozen=True)
class Calendar:
    """Sim days ↔ report months of one run (shared by every case).

    Attributes:
        start: calendar date of sim day 0.
        month_end_days: last sim day of each report month.
        month_of_day: report-month index (from 0) of every sim day of the horizon.
        calendar_month: calendar month number (1..12) of every sim day.
        month_end_set: ``month_end_days`` as a set, for the daily look-up.
    """

    start: dt.date
    month_end_days: tuple[int, ...]
    month_of_day: np.ndarray
    calendar_month: np.ndarray
    month_end_set: frozenset[int]

    @classmethod
    def build(cls, start: dt.date, months: int) -> Calendar:
        """The calendar of ``months`` report months from ``start``."""
        ends = month_end_days(start, months)
        days = np.arange(ends[-1] + 1)
        month_of_day = np.searchsorted(np.array(ends), days, side="left")
        calendar_month = np.array([(start + dt.timedelta(days=int(d))).month for d in days])
        return cls(start, tuple(ends), month_of_day, calendar_month, frozenset(ends))

    @property
    def days(self) -> int:
        """The horizon in sim days."""
        return len(self.month_of_day)

    @property
    def months(self) -> int:
        """Number of report months."""
        return len(self.month_end_days)

    @property
    def month_start_days(self) -> list[int]:
        """First sim day of each report month."""
        return [0, *(end + 1 for end in self.month_end_days[:-1])]

    def month(self, day: int) -> int:
        """Report month (from 0) of sim ``day``; days past the horizon count in the last month."""
        return int(self.month_of_day[min(max(day, 0), self.days - 1)])

    def is_month_start(self, day: int) -> bool:
        """Whether a new report month (not the first) starts on ``day``."""
        return 0 < day < self.days and self.month_of_day[day] != self.month_of_day[day - 1]

    def is_month_end(self, day: int) -> bool:
        """Whether ``day`` is the last sim day of its report month."""
        return day in self.month_end_set
