"""Schema of the ``merchant_credit:`` section (case 2: data-driven merchant revolving credit).

One module for the whole case. Defaults cite rows of docs/calibration.md in
``scenarios/merchant_credit.yaml``; the rest are free parameters with documented ranges. Money is
in CNY (floats) here; the book keeps fen. The product sections are the product's own parameter
models, handed whole: ``innovated`` is a :class:`DataDrivenPolicy`, ``traditional`` a
:class:`CollateralRule` and ``ledger`` the :class:`BookTerms` of the revolving book, each with the
desk's own terms added.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from products.credit.book import BookTerms
from products.credit.lending import DataDrivenPolicy
from products.credit.rules import CollateralRule
from sim.kernel.schema import Frozen, ModeProcesses, Shock


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
    owner_equity_support_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="share of an owner's free home equity (value at today's property index less "
        "the mortgage) it can put into the business before unpaid bills make it fail (personal "
        "wealth; a price fall shrinks it); 0 (the default) = property is no buffer (old "
        "behaviour); scenarios/merchant_credit.yaml turns it on",
    )
    mortgage_share_max: float = Field(
        default=0.8,
        ge=0,
        lt=1,
        description="existing mortgage on an owned property, share of its value at the start, "
        "uniform 0..max per owner, fixed in CNY; the branch's combined-LTV rule lends up to "
        "traditional.ltv x value less it, so a price fall cuts the pledgeable line by more than "
        "the value; 0 = free and clear (old behaviour)",
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


Estimator = Literal["random_forest", "hist_gradient_boosting", "logistic_regression"]


class HealthConfig(Frozen):
    """Latent financial health h (never seen by the bank): an AR(1) around a merchant mean."""

    mean_reversion_per_day: float = Field(default=0.01, gt=0, le=1)
    volatility_per_day: float = Field(default=0.04, ge=0, le=1)
    dispersion: float = Field(
        default=0.8, ge=0, le=3, description="sd of merchants' long-run health"
    )
    regime_drift: tuple[float, float, float] = Field(
        default=(-0.8, 0.0, 0.3), description="target shift in decline/stable/growth"
    )
    regime_switch_per_month: float = Field(
        default=0.08, ge=0, le=1, description="chance of leaving a regime"
    )
    failure_rate_annual: float = Field(
        default=0.02, ge=0, le=1, description="failure hazard/yr at h = 0"
    )
    failure_health_sensitivity: float = Field(
        default=1.2, ge=0, le=5, description="hazard x exp(-k h)"
    )
    sales_health_sensitivity: float = Field(default=0.4, ge=0, le=3, description="sales x exp(k h)")
    rating_health_sensitivity: float = Field(default=0.25, ge=0, le=2)
    refund_health_sensitivity: float = Field(default=0.5, ge=0, le=3)
    turnover_health_sensitivity: float = Field(default=0.3, ge=0, le=3)
    shock_health_sensitivity: float = Field(
        default=2.0, ge=0, le=10, description="health target shift per unit sales shock"
    )


class SeasonalityConfig(Frozen):
    """National monthly sales profile plus the 11.11 peak."""

    month_factors: tuple[float, ...] = Field(
        default=(1.0, 0.8, 1.0, 1.0, 1.0, 1.15, 1.0, 1.0, 1.0, 1.05, 1.5, 1.1),
        min_length=12,
        max_length=12,
    )
    singles_day_peak_factor: float = Field(
        default=4.0, ge=1, le=20, description="sales on 11 Nov vs a normal day"
    )


class BehaviourConfig(Frozen):
    """How merchants use credit (随借随还)."""

    consent_probability: float = Field(
        default=0.8, ge=0, le=1, description="authorises platform data sharing"
    )
    apply_below_cash_months: float = Field(
        default=1.0, ge=0, description="considers borrowing below this cash"
    )
    apply_probability_per_day: float = Field(default=0.05, ge=0, le=1)
    reapply_after_days: int = Field(
        default=90, ge=1, le=3650, description="days after an application before the next one"
    )
    knows_outcome_probability: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="share of merchants who know how the bank would decide them today (its "
        "published criteria, the platform's pre-approved offer); one who expects a rejection "
        "does not apply (a discouraged borrower); 0 = everyone short of cash applies (old)",
    )
    rejected_learn: bool = Field(
        default=True,
        description="a rejected merchant knows the bank's answer from then on, so it re-applies "
        "(after reapply_after_days) only once it would pass; false = re-applies blindly (old)",
    )
    request_sales_months: float | None = Field(
        default=2.0,
        gt=0,
        le=24,
        description="line a merchant asks for, months of its recent sales; the bank grants at "
        "most this at opening and at collateral reviews; null = takes any line offered (old)",
    )
    cash_target_months: float = Field(
        default=1.0, ge=0, description="draws to bring cash up to this"
    )
    repay_above_months: float = Field(default=2.0, ge=0, description="repays with cash above this")
    credit_sales_uplift: float = Field(
        default=0.18, ge=0, le=1, description="sales uplift while holding a line"
    )

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.repay_above_months < self.cash_target_months:
            raise ValueError(
                f"repay_above_months {self.repay_above_months} must be >= "
                f"cash_target_months {self.cash_target_months}"
            )
        return self


class ScoringConfig(Frozen):
    """The data-driven scoring model and its burn-in training history."""

    adapter: Literal["sklearn", "fake"] = Field(
        default="sklearn", description="sklearn (real pipeline) | fake (fixed logistic formula)"
    )
    estimator: Estimator = "random_forest"
    calibration: Literal["sigmoid", "isotonic"] = "sigmoid"
    training_merchants: int = Field(default=3000, ge=200, le=200_000)
    history_days: int = Field(default=90, ge=30, le=365, description="feature window")
    rescore_days: int = Field(
        default=7, ge=1, le=92, description="batch pre-scoring interval of consenting merchants"
    )
    label_window_days: int = Field(
        default=365, ge=30, le=1095, description="defaults counted in this window"
    )
    holdout_share: float = Field(
        default=0.3, gt=0, lt=1, description="share of the cohort held out to grade the model"
    )


class InnovatedConfig(DataDrivenPolicy):
    """Data-driven product terms: the policy plus the desk's decision time and recoveries."""

    decision_days: int = Field(default=0, ge=0, le=365)
    recovery_rate: float = Field(default=0.1, ge=0, le=1, description="unsecured recovery share")


class TraditionalConfig(CollateralRule):
    """Collateral / financial-statement lending: the rule plus the branch's own terms."""

    decision_days: int = Field(default=30, ge=0, le=365)
    min_limit_cny: float = Field(default=10_000, gt=0)
    max_limit_cny: float = Field(default=10_000_000, gt=0)
    limit_step_cny: float = Field(default=100.0, gt=0, description="lines rounded down to this")
    rate_daily_bps: float = Field(default=0.96, ge=0, le=100)
    review_months: int = Field(
        default=12, ge=1, le=60, description="collateral revaluation interval"
    )
    collateral_haircut: float = Field(
        default=0.3, ge=0, le=1, description="forced-sale discount on recovery"
    )


class SectorShock(Shock):
    """Sales of the listed categories move by ``magnitude`` (e.g. -0.25)."""

    categories: tuple[str, ...] = Field(min_length=1)


class ConsentWithdrawal(Shock):
    """A share of the consenting merchants withdraws data-sharing consent for the window.

    ``magnitude``: the share of consenting merchants who withdraw (0 < share <= 1; rounded to
    whole merchants, at least one), drawn once per window from the case's seed tree. While
    withdrawn, the data-driven bank sees what the traditional desk sees
    (:mod:`agents.merchant_credit.consent`); the traditional mode never used the data.
    """

    @model_validator(mode="after")
    def _share(self) -> Self:
        if not 0 < self.magnitude <= 1:
            raise ValueError(f"magnitude: {self.magnitude} must be a merchant share in (0, 1]")
        return self


class ShocksConfig(Frozen):
    """Exogenous shocks on sim days [start_day, end_day)."""

    platform_traffic: tuple[Shock, ...] = ()
    sector_downturn: tuple[SectorShock, ...] = ()
    rate_rise: tuple[Shock, ...] = Field(default=(), description="magnitude in bps per year")
    property_price: tuple[Shock, ...] = Field(default=(), description="relative index move")
    consent_withdrawal: tuple[ConsentWithdrawal, ...] = Field(
        default=(), description="magnitude = share of consenting merchants who withdraw"
    )


class MerchantCreditConfig(Frozen):
    """Case 2: platform merchants, consent, scoring, revolving credit vs collateral lending."""

    merchants: int = Field(default=2000, ge=50, le=1_000_000)
    mode_processes: ModeProcesses = 2
    population: PopulationConfig = PopulationConfig()
    health: HealthConfig = HealthConfig()
    seasonality: SeasonalityConfig = SeasonalityConfig()
    behaviour: BehaviourConfig = BehaviourConfig()
    scoring: ScoringConfig = ScoringConfig()
    innovated: InnovatedConfig = InnovatedConfig()
    traditional: TraditionalConfig = TraditionalConfig()
    ledger: BookTerms = BookTerms()
    shocks: ShocksConfig = ShocksConfig()

    @model_validator(mode="after")
    def _shock_categories(self) -> Self:
        known = set(self.population.categories)
        for i, shock in enumerate(self.shocks.sector_downturn):
            unknown = sorted(set(shock.categories) - known)
            if unknown:
                raise ValueError(
                    f"shocks.sector_downturn.{i}.categories: {unknown} "
                    f"not in population.categories {sorted(known)}"
                )
        return self

    def memory_estimate_bytes(self, months: int) -> int:
        """Peak memory of a run of this case (bytes), from what it holds at its peak: the first
        mode's copy of the merchants beside the original (ring buffers of ``history_days +
        rescore_days - 1`` float32 days x 4 signals, ≈ 250 B of traits and state), ≈ 0.5 KiB per
        merchant of book, desk and KPI arrays, ≈ 100 B per merchant-month of event-log rows
        and month-end scores, ≈ 300 MiB of libraries, training cohort and model, and up to
        ≈ 150 MiB of scoring-block temporaries (blocks of 65,536 merchants). Measured peaks:
        100,000 merchants x 2 months 782 MiB (this estimate: 858 MiB), 500,000 x 24 months
        3.01 GiB (estimate: 3.46 GiB).

        With ``mode_processes`` 2 the estimate is of the whole machine: the worker's copy of the
        merchants is the second population (copy-on-write pages of the original), and only the
        innovated mode scores. Measured (sum of the processes' PSS): 100,000 x 2 months
        0.67 GiB (serial 0.68 GiB), 500,000 x 24 months 3.13 GiB, the larger process 2.22 GiB
        RSS."""
        buffer_days = self.scoring.history_days + self.scoring.rescore_days - 1
        population = 4 * 4 * buffer_days + 250
        blocks = 150 * 2**20 * min(1.0, self.merchants / 65_536)
        per_merchant = 2 * population + 512 + 100 * months
        return int(300 * 2**20 + blocks + self.merchants * per_merchant)
