"""Scenario schema of case 1, part 2: the suppliers' financing decision (why they discount).

A supplier discounts an eligible receivable when it needs the cash (projected gap, see
``population.lookahead_days``) or when discounting is cheaper than what the cash is worth to it:
the offered rate plus the annualised fee and hassle is below its hurdle rate.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from sim.kernel.schema import Frozen


class FinancingDecisionConfig(Frozen):
    """Cost-of-capital motive: per-supplier hurdle rates and per-application hassle costs."""

    cost_motive: bool = Field(
        default=True,
        description="suppliers also discount when it is cheaper than their hurdle rate; "
        "False = only to cover a projected cash gap",
    )
    hurdle_rate_bps_min: int = Field(
        default=600,
        ge=0,
        le=5_000,
        description="lowest opportunity cost of capital across suppliers, drawn uniformly per "
        "supplier; CALIBRATION: SME working-capital loan rate on own credit ≈6-8%",
    )
    hurdle_rate_bps_max: int = Field(
        default=800,
        ge=0,
        le=5_000,
        description="highest hurdle rate; CALIBRATION: SME working-capital loan ≈6-8%",
    )
    hassle_chain_cny: float = Field(
        default=100,
        ge=0,
        le=1_000_000,
        description="per-application cost on the platform (one signed request, staff time); "
        "free parameter",
    )
    hassle_paper_cny: float = Field(
        default=1_500,
        ge=0,
        le=1_000_000,
        description="per-application cost on paper: contract, VAT invoices, delivery proof, "
        "buyer-signed assignment notice per deal (CALIBRATION: traditional factoring "
        "documents); amount is a free parameter. The review wait is added by the decision "
        "(bank.review_mean_days shortens the period the cash is early)",
    )

    @model_validator(mode="after")
    def _hurdles_ordered(self) -> Self:
        if self.hurdle_rate_bps_min > self.hurdle_rate_bps_max:
            raise ValueError(
                f"hurdle_rate_bps_min: {self.hurdle_rate_bps_min} must be <= "
                f"hurdle_rate_bps_max {self.hurdle_rate_bps_max}"
            )
        return self
