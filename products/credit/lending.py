"""Data-driven lending policy: approval cutoff, limit from PD and sales, price, re-rating."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LIMIT_STEP_CNY = 100.0


@dataclass(frozen=True)
class DataDrivenPolicy:
    """Terms of the data-driven revolving line.

    Attributes:
        pd_cutoff: approve when PD <= cutoff.
        limit_sales_months: limit at PD 0, in months of recent sales.
        limit_pd_haircut: share of that line cut away at PD = cutoff (linear in PD).
        min_limit_cny: smallest line worth opening; smaller computed lines are declined.
        max_limit_cny: cap on any line.
        base_rate_daily_bps: price at PD 0.
        risk_spread_daily_bps_per_pd: price add-on per unit PD.
        freeze_pd: at re-rating, PD at or above this freezes the line.
        max_raise_factor: largest raise at one re-rating.
    """

    pd_cutoff: float
    limit_sales_months: float
    limit_pd_haircut: float
    min_limit_cny: float
    max_limit_cny: float
    base_rate_daily_bps: float
    risk_spread_daily_bps_per_pd: float
    freeze_pd: float
    max_raise_factor: float

    def limit_cny(self, pd: np.ndarray, monthly_sales_cny: np.ndarray) -> np.ndarray:
        """Line per applicant: sales-scaled, shrinking linearly with PD, capped.

        Returns 0 where PD exceeds the cutoff or the line would be below ``min_limit_cny``.
        """
        pd = np.asarray(pd)
        headroom = np.clip(1 - self.limit_pd_haircut * pd / self.pd_cutoff, 0, 1)
        headroom = np.where(pd <= self.pd_cutoff, headroom, 0.0)
        raw = self.limit_sales_months * np.maximum(monthly_sales_cny, 0) * headroom
        line = np.floor(np.minimum(raw, self.max_limit_cny) / LIMIT_STEP_CNY) * LIMIT_STEP_CNY
        return np.where(line >= self.min_limit_cny, line, 0.0)

    def approve(self, pd: np.ndarray, monthly_sales_cny: np.ndarray) -> np.ndarray:
        """Approval mask: under the cutoff and a line of at least the minimum."""
        return self.limit_cny(pd, monthly_sales_cny) > 0

    def daily_rate(self, pd: np.ndarray) -> np.ndarray:
        """Daily interest rate (fraction) priced on PD."""
        bps = self.base_rate_daily_bps + self.risk_spread_daily_bps_per_pd * np.asarray(pd)
        return bps / 1e4

    def rerate(
        self,
        pd: np.ndarray,
        monthly_sales_cny: np.ndarray,
        limit_cny: np.ndarray,
        balance_cny: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Monthly re-rating of existing lines.

        PD <= cutoff: move to the policy line, raising by at most ``max_raise_factor``
        (and never below the minimum line). Cutoff < PD < freeze: cut to the drawn balance
        (no new headroom). PD >= freeze_pd: freeze.

        Returns:
            (new_limit_cny, frozen mask).
        """
        target = np.maximum(self.limit_cny(pd, monthly_sales_cny), self.min_limit_cny)
        good = np.asarray(pd) <= self.pd_cutoff
        raised = np.minimum(
            target, np.maximum(limit_cny * self.max_raise_factor, self.min_limit_cny)
        )
        cut = np.minimum(
            limit_cny, np.ceil(np.maximum(balance_cny, 0) / LIMIT_STEP_CNY) * LIMIT_STEP_CNY
        )
        new_limit = np.where(good, raised, cut)
        return new_limit, np.asarray(pd) >= self.freeze_pd
