"""Data-driven lending policy: approval cutoff, limit from PD and sales, price, re-rating."""

from __future__ import annotations

from typing import Self

import numpy as np
from pydantic import Field, model_validator

from sim.kernel.schema import Frozen


class DataDrivenPolicy(Frozen):
    """Terms of the data-driven revolving line (the case schema's ``innovated`` section is one).

    Attributes:
        pd_cutoff: approve when PD <= cutoff.
        limit_sales_months: limit at PD 0, in months of recent sales.
        limit_pd_haircut: share of that line cut away at PD = cutoff (linear in PD).
        min_limit_cny: smallest line worth opening; smaller computed lines are declined.
        max_limit_cny: cap on any line.
        limit_step_cny: lines are rounded down (balances up) to a multiple of this.
        base_rate_daily_bps: price at PD 0.
        risk_spread_daily_bps_per_pd: price add-on per unit PD.
        freeze_pd: at re-rating, PD at or above this freezes the line.
        max_raise_factor: largest raise at one re-rating.
    """

    pd_cutoff: float = Field(default=0.12, gt=0, lt=1)
    limit_sales_months: float = Field(
        default=1.5, gt=0, le=24, description="line at PD 0, months of recent sales"
    )
    limit_pd_haircut: float = Field(
        default=0.5, ge=0, le=1, description="share of the line cut away at PD = cutoff"
    )
    min_limit_cny: float = Field(default=10_000, gt=0)
    max_limit_cny: float = Field(default=10_000_000, gt=0)
    limit_step_cny: float = Field(default=100.0, gt=0, description="lines rounded to this")
    base_rate_daily_bps: float = Field(
        default=1.5, ge=0, le=100, description="price at PD 0, bps per day"
    )
    risk_spread_daily_bps_per_pd: float = Field(default=30.0, ge=0, description="added per unit PD")
    freeze_pd: float = Field(
        default=0.2, gt=0, le=1, description="re-rating freezes lines above this PD"
    )
    max_raise_factor: float = Field(
        default=1.5, ge=1, le=10, description="largest monthly limit raise"
    )

    @model_validator(mode="after")
    def _limits(self) -> Self:
        if self.max_limit_cny < self.min_limit_cny:
            raise ValueError(
                f"max_limit_cny {self.max_limit_cny} must be >= min_limit_cny {self.min_limit_cny}"
            )
        if self.freeze_pd < self.pd_cutoff:
            raise ValueError(f"freeze_pd {self.freeze_pd} must be >= pd_cutoff {self.pd_cutoff}")
        return self

    def limit_cny(self, pd: np.ndarray, monthly_sales_cny: np.ndarray) -> np.ndarray:
        """Line per applicant: sales-scaled, shrinking linearly with PD, capped.

        Returns 0 where PD exceeds the cutoff or the line would be below ``min_limit_cny``.
        """
        pd = np.asarray(pd)
        headroom = np.clip(1 - self.limit_pd_haircut * pd / self.pd_cutoff, 0, 1)
        headroom = np.where(pd <= self.pd_cutoff, headroom, 0.0)
        raw = self.limit_sales_months * np.maximum(monthly_sales_cny, 0) * headroom
        step = self.limit_step_cny
        line = np.floor(np.minimum(raw, self.max_limit_cny) / step) * step
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
        step = self.limit_step_cny
        cut = np.minimum(limit_cny, np.ceil(np.maximum(balance_cny, 0) / step) * step)
        new_limit = np.where(good, raised, cut)
        return new_limit, np.asarray(pd) >= self.freeze_pd
