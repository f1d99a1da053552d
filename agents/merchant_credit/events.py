"""Typed events of the merchant-credit case (case 2), emitted by :class:`MerchantCreditModel`.

The per-merchant events keep the kinds and detail keys of the run's event log (``application``,
``approval``, ``rejection``, ``default``, ``write_off``; ``agent`` = merchant index). The day,
month-end and run-start events carry what the KPI collectors need: flows of the day, and
snapshots of the book and the population in ``unlogged`` fields, so no collector reads the model.
Money in events is CNY (floats); book snapshots keep the book's integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.kernel.events import Event


@dataclass(frozen=True, slots=True)
class BookState:
    """Aggregates of the revolving book and the population at one instant (fen, counts).

    Attributes:
        live_lines: open or frozen lines.
        performing_lines: live lines not in default.
        outstanding_fen: principal plus interest of live lines.
        npl_fen: balance of live lines at least ``npl_dpd`` days past due.
        limit_total_fen: sum of the limits of live lines.
        limit_mean_fen: mean limit of live lines (NaN without lines).
        principal_fen: drawn principal of live lines.
        drawn_fen: cumulative amount drawn.
        interest_paid_fen: cumulative interest collected.
        written_off_fen: cumulative amount written off.
        recovered_fen: cumulative recoveries collected.
        alive_merchants: merchants still trading.
    """

    live_lines: int
    performing_lines: int
    outstanding_fen: int
    npl_fen: int
    limit_total_fen: int
    limit_mean_fen: float
    principal_fen: int
    drawn_fen: int
    interest_paid_fen: int
    written_off_fen: int
    recovered_fen: int
    alive_merchants: int


def _no_indices() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, kw_only=True, slots=True)
class RunStart(Event):
    """The mode starts: population size, data-path share and the opening book."""

    kind: ClassVar[str] = "run_start"
    unlogged: ClassVar[frozenset[str]] = frozenset({"state"})
    merchants: int
    data_path_share: float
    state: BookState


@dataclass(frozen=True, kw_only=True, slots=True)
class TradingDay(Event):
    """One business day of the platform: total sales (``amount``, CNY) and merchant exits."""

    kind: ClassVar[str] = "trading_day"
    unlogged: ClassVar[frozenset[str]] = frozenset({"failed"})
    amount: float
    failures: int
    failed: np.ndarray = field(default_factory=_no_indices)


@dataclass(frozen=True, kw_only=True, slots=True)
class Application(Event):
    """A merchant short of cash applies for a line (``amount`` = its last 30 days' sales)."""

    kind: ClassVar[str] = "application"
    agent: int
    amount: float
    data_path: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Discouraged(Event):
    """A merchant short of cash would apply but expects a rejection, so it does not."""

    kind: ClassVar[str] = "discouraged"
    agent: int
    data_path: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Approval(Event):
    """A line of ``amount`` CNY is granted; ``pd`` is the score it was decided on.

    ``binding`` names the term that set the line: ``collateral`` (LTV x pledgeable equity),
    ``statements`` (the statement-revenue cap), ``request`` (what the merchant asked for),
    ``policy`` (the data-driven line) or ``maximum`` (the product's cap).
    """

    kind: ClassVar[str] = "approval"
    unlogged: ClassVar[frozenset[str]] = frozenset({"pd"})
    agent: int
    amount: float
    pd: float
    binding: str = "policy"


@dataclass(frozen=True, kw_only=True, slots=True)
class Rejection(Event):
    """An application is declined (``amount`` = the computed line, 0)."""

    kind: ClassVar[str] = "rejection"
    unlogged: ClassVar[frozenset[str]] = frozenset({"pd"})
    agent: int
    amount: float
    pd: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Default(Event):
    """A line reaches ``dpd`` days past due (``amount`` = balance owed, CNY)."""

    kind: ClassVar[str] = "default"
    agent: int
    amount: float
    dpd: int


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteOff(Event):
    """A defaulted balance of ``amount`` CNY is written off."""

    kind: ClassVar[str] = "write_off"
    agent: int
    amount: float


@dataclass(frozen=True, kw_only=True, slots=True)
class MonthEnd(Event):
    """A report month closes after re-rating: line changes, monitoring scores, the book."""

    kind: ClassVar[str] = "month_end"
    unlogged: ClassVar[frozenset[str]] = frozenset({"state", "scored", "scores"})
    month: int
    raises: int
    cuts: int
    freezes: int
    state: BookState
    scored: np.ndarray
    scores: np.ndarray
