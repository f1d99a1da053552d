"""Schema of ``merchant_credit.population``: categories, regions and merchant heterogeneity."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from sim.kernel.schema import Frozen


def _check_shares(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} shares sum to {total:.4f}, must sum to 1")


class CategoryConfig(Frozen):
    """One merchant category (shop type) on the platform."""

    share: float = Field(gt=0, le=1, description="share of merchants")
    gross_margin: float = Field(gt=0, lt=1, description="sales minus cost of goods, share of sales")
    seasonality_strength: float = Field(ge=0, le=2, description="1 = national seasonal profile")
    sales_noise: float = Field(gt=0, le=2, description="sd of daily log-sales noise")
    refund_rate: float = Field(ge=0, lt=0.5, description="refund share at average health")
    inventory_turnover_per_year: float = Field(gt=0, le=365, description="at average health")


class RegionConfig(Frozen):
    """One region; it sets the local property-price trend that moves collateral values."""

    share: float = Field(gt=0, le=1)
    property_annual_change: float = Field(ge=-0.5, le=0.5, description="property index drift/yr")


def _category(
    share: float, margin: float, season: float, noise: float, refund: float, turnover: float
) -> CategoryConfig:
    return CategoryConfig(
        share=share,
        gross_margin=margin,
        seasonality_strength=season,
        sales_noise=noise,
        refund_rate=refund,
        inventory_turnover_per_year=turnover,
    )


#: Free parameters (no published category split for one platform): shares, margins, returns.
DEFAULT_CATEGORIES: dict[str, CategoryConfig] = {
    "apparel": _category(0.25, 0.40, 1.3, 0.35, 0.12, 6),
    "electronics": _category(0.15, 0.20, 1.2, 0.40, 0.05, 8),
    "food": _category(0.20, 0.30, 0.6, 0.25, 0.02, 20),
    "home": _category(0.15, 0.35, 1.0, 0.35, 0.05, 5),
    "beauty": _category(0.15, 0.45, 1.1, 0.30, 0.06, 7),
    "other": _category(0.10, 0.35, 1.0, 0.35, 0.05, 6),
}
#: Free parameters: regional shares and property-price drift (collateral values follow).
DEFAULT_REGIONS: dict[str, RegionConfig] = {
    "east": RegionConfig(share=0.45, property_annual_change=-0.04),
    "central": RegionConfig(share=0.25, property_annual_change=-0.05),
    "west": RegionConfig(share=0.20, property_annual_change=-0.03),
    "northeast": RegionConfig(share=0.10, property_annual_change=-0.07),
}


class PopulationConfig(Frozen):
    """Heterogeneous merchants: size, tenure, margins, cash, collateral, statements."""

    categories: dict[str, CategoryConfig] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORIES), min_length=1
    )
    regions: dict[str, RegionConfig] = Field(
        default_factory=lambda: dict(DEFAULT_REGIONS), min_length=1
    )
    monthly_sales_median_cny: float = Field(default=45_000, gt=0)
    monthly_sales_sigma: float = Field(
        default=0.8, ge=0, le=3, description="lognormal sd of merchant size"
    )
    net_margin: float = Field(
        default=0.05, ge=-0.5, lt=1, description="net margin at long-run health"
    )
    cash_buffer_months: float = Field(
        default=3.0, ge=0, le=24, description="starting cash, months of costs"
    )
    tenure_months_max: int = Field(default=120, ge=1, le=240)
    avg_ticket_cny: float = Field(default=80, gt=0)
    payables_tolerance_months: float = Field(
        default=3.0,
        gt=0,
        le=12,
        description="unpaid bills (negative cash) beyond this many months of fixed costs = failure",
    )
    collateral_probability: float = Field(
        default=0.3, ge=0, le=1, description="owns pledgeable property"
    )
    collateral_value_sales_months: float = Field(
        default=18, gt=0, description="property value, months of sales (median)"
    )
    statements_probability: float = Field(
        default=0.25, ge=0, le=1, description="has audited annual statements"
    )
    cash_buffer_sigma: float = Field(
        default=0.8, ge=0, le=3, description="lognormal sd of starting cash around the mean buffer"
    )
    signal_offset_sd: float = Field(
        default=0.3,
        ge=0,
        le=3,
        description="sd of persistent merchant offsets in rating, refunds, turnover",
    )
    signal_noise_daily: float = Field(
        default=0.3, ge=0, le=3, description="sd of daily noise in rating and refund log-odds"
    )
    statement_noise: float = Field(
        default=0.03, ge=0, le=1, description="sd of reported vs true margin"
    )

    @model_validator(mode="after")
    def _shares(self) -> Self:
        _check_shares({k: v.share for k, v in self.categories.items()}, "categories")
        _check_shares({k: v.share for k, v in self.regions.items()}, "regions")
        return self
