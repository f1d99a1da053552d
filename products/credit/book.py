"""Revolving-credit ledger (随借随还) for a whole merchant population, vectorised.

One account slot per merchant; money in integer fen. Interest accrues daily on principal;
each billing cycle asks for the cycle's interest plus a slice of principal; a bill still
unpaid at the next cycle end makes the account past due, and days past due (dpd) count from
that day until the arrears are cleared. ``npl_dpd`` (90) days past due = non-performing
(counted as a default, no further accrual or draws); ``write_off_dpd`` = written off, with any
recovery booked ``recovery_lag_days`` later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
from pydantic import Field, model_validator

from sim.kernel.schema import Frozen

NONE, OPEN, FROZEN, WRITTEN_OFF = 0, 1, 2, 3


class BookTerms(Frozen):
    """Billing and delinquency terms of the book (the case schema's ``ledger`` section).

    Attributes:
        billing_cycle_days: days between bills.
        min_principal_share: share of principal billed each cycle besides interest.
        npl_dpd: days past due at which an account is non-performing (and defaulted).
        write_off_dpd: days past due at which the balance is written off.
        recovery_lag_days: delay between write-off and the recovery cash.
    """

    billing_cycle_days: int = Field(default=30, ge=7, le=92)
    min_principal_share: float = Field(default=0.1, ge=0, le=1)
    npl_dpd: int = Field(default=90, ge=1, le=365)
    write_off_dpd: int = Field(default=180, ge=1, le=1095)
    recovery_lag_days: int = Field(default=180, ge=0, le=1095)

    @model_validator(mode="after")
    def _dpd(self) -> Self:
        if self.write_off_dpd < self.npl_dpd:
            raise ValueError(
                f"write_off_dpd {self.write_off_dpd} must be >= npl_dpd {self.npl_dpd}"
            )
        return self


@dataclass
class BookTotals:
    """Cumulative flows in fen."""

    drawn: int = 0
    repaid_principal: int = 0
    interest_paid: int = 0
    written_off: int = 0
    recovered: int = 0


class RevolvingBook:
    """Vectorised revolving lines, one slot per merchant index.

    Args:
        size: number of merchant slots.
        terms: billing and delinquency terms (handed whole from the case schema).
    """

    def __init__(self, size: int, terms: BookTerms | None = None) -> None:
        self.size = n = size
        self.terms = terms if terms is not None else BookTerms()
        self.totals = BookTotals()
        self.status = np.zeros(n, dtype=np.int8)
        self.limit_fen = np.zeros(n, dtype=np.int64)
        self.principal_fen = np.zeros(n, dtype=np.int64)
        self.interest_fen = np.zeros(n, dtype=np.int64)
        self.cycle_interest_fen = np.zeros(n, dtype=np.int64)
        self.due_fen = np.zeros(n, dtype=np.int64)
        self.overdue_since = np.full(n, -1, dtype=np.int32)
        self.daily_rate = np.zeros(n, dtype=float)
        self.defaulted = np.zeros(n, dtype=bool)
        self.opened_day = np.full(n, -1, dtype=np.int32)
        self._recoveries: list[tuple[int, np.ndarray, np.ndarray]] = []

    # ---- state queries -------------------------------------------------------------
    def dpd(self, day: int) -> np.ndarray:
        """Days past due per slot (0 when current)."""
        return np.where(self.overdue_since >= 0, day - self.overdue_since, 0)

    @property
    def live(self) -> np.ndarray:
        """Accounts that are open or frozen (not never-opened, not written off)."""
        return (self.status == OPEN) | (self.status == FROZEN)

    @property
    def owed_fen(self) -> np.ndarray:
        return self.principal_fen + self.interest_fen

    def available_fen(self) -> np.ndarray:
        """Undrawn headroom; zero unless the account is open, current and not defaulted.

        A past-due account cannot draw until its arrears are paid (no borrowing to roll
        arrears over), in both modes.
        """
        usable = (self.status == OPEN) & ~self.defaulted & (self.overdue_since < 0)
        return np.where(usable, np.maximum(self.limit_fen - self.principal_fen, 0), 0)

    # ---- account management ----------------------------------------------------------
    def open(
        self, idx: np.ndarray, limit_fen: np.ndarray, daily_rate: np.ndarray, day: int
    ) -> None:
        """Open lines for slots ``idx`` (which must not hold a live account)."""
        if np.any(self.status[idx] != NONE):
            raise ValueError("open: some slots already hold an account")
        self.status[idx] = OPEN
        self.limit_fen[idx] = np.maximum(limit_fen, 0)
        self.daily_rate[idx] = daily_rate
        self.opened_day[idx] = day

    def set_limit(self, idx: np.ndarray, limit_fen: np.ndarray) -> None:
        """Re-rate: a cut below the balance blocks draws but never calls the balance in."""
        self.limit_fen[idx] = np.maximum(limit_fen, 0)

    def set_frozen(self, idx: np.ndarray, frozen: bool) -> None:
        """Freeze (no draws) or unfreeze live accounts among ``idx``."""
        live = idx[self.live[idx]]
        self.status[live] = FROZEN if frozen else OPEN

    # ---- money movements ---------------------------------------------------------------
    def draw(self, requested_fen: np.ndarray) -> np.ndarray:
        """Draw up to the available headroom; returns the amounts actually drawn."""
        drawn = np.minimum(np.maximum(requested_fen, 0), self.available_fen())
        self.principal_fen += drawn
        self.totals.drawn += int(drawn.sum())
        return drawn

    def repay(self, offered_fen: np.ndarray) -> np.ndarray:
        """Apply payments to interest first, then principal; returns amounts accepted."""
        offered = np.where(self.live, np.maximum(offered_fen, 0), 0)
        to_interest = np.minimum(offered, self.interest_fen)
        to_principal = np.minimum(offered - to_interest, self.principal_fen)
        self.interest_fen -= to_interest
        self.principal_fen -= to_principal
        paid = to_interest + to_principal
        self.due_fen = np.maximum(self.due_fen - paid, 0)
        self.overdue_since[self.due_fen == 0] = -1
        self.totals.interest_paid += int(to_interest.sum())
        self.totals.repaid_principal += int(to_principal.sum())
        return paid

    def accrue(self, extra_daily_rate: float = 0.0) -> None:
        """One day of interest on performing live accounts."""
        accruing = self.live & ~self.defaulted
        rate = self.daily_rate + extra_daily_rate
        interest = np.where(accruing, np.rint(self.principal_fen * rate), 0).astype(np.int64)
        self.interest_fen += interest
        self.cycle_interest_fen += interest

    def bill(self, day: int) -> None:
        """Close a billing cycle: unpaid bills go past due, then the new minimum is billed."""
        missed = self.live & (self.due_fen > 0) & (self.overdue_since < 0)
        self.overdue_since[missed] = day
        principal_slice = np.rint(self.principal_fen * self.terms.min_principal_share).astype(
            np.int64
        )
        new_due = self.due_fen + self.cycle_interest_fen + principal_slice
        self.due_fen = np.where(self.live, np.minimum(new_due, self.owed_fen), 0)
        self.cycle_interest_fen[:] = 0

    def age(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Advance delinquency to ``day``.

        Returns:
            (new_default_idx, written_off_idx, written_off_fen): accounts reaching
            ``npl_dpd`` today, accounts written off today and the amounts written off.
        """
        dpd = self.dpd(day)
        new_default = np.flatnonzero(self.live & ~self.defaulted & (dpd >= self.terms.npl_dpd))
        self.defaulted[new_default] = True
        off = np.flatnonzero(self.live & (dpd >= self.terms.write_off_dpd))
        amounts = self.owed_fen[off]
        self.principal_fen[off] = 0
        self.interest_fen[off] = 0
        self.due_fen[off] = 0
        self.overdue_since[off] = -1
        self.status[off] = WRITTEN_OFF
        self.totals.written_off += int(amounts.sum())
        return new_default, off, amounts

    def schedule_recovery(self, day: int, idx: np.ndarray, amounts_fen: np.ndarray) -> None:
        """Book recovery cash for written-off accounts ``recovery_lag_days`` after ``day``."""
        if idx.size:
            self._recoveries.append(
                (day + self.terms.recovery_lag_days, idx, amounts_fen.astype(np.int64))
            )

    def collect_recoveries(self, day: int) -> int:
        """Recovery cash falling due on or before ``day`` (fen)."""
        due = [r for r in self._recoveries if r[0] <= day]
        self._recoveries = [r for r in self._recoveries if r[0] > day]
        received = sum(int(r[2].sum()) for r in due)
        self.totals.recovered += received
        return received

    def npl_fen(self, day: int) -> int:
        """Balance of live accounts at least ``npl_dpd`` days past due."""
        return int(self.owed_fen[self.live & (self.dpd(day) >= self.terms.npl_dpd)].sum())

    def outstanding_fen(self) -> int:
        """Principal plus accrued interest of live accounts."""
        return int(self.owed_fen[self.live].sum())
