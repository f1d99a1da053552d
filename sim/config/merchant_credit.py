"""Schema of the ``merchant_credit:`` section (case 2: data-driven merchant revolving credit).

Defaults cite rows of CALIBRATION.md in ``scenarios/merchant_credit.yaml``; the rest are free
parameters with documented ranges. Money is in CNY (floats) here; the ledger keeps fen.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from sim.config.merchant_population import PopulationConfig
from sim.kernel.schema import Frozen, Shock

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
    reapply_after_days: int = Field(default=90, ge=1, le=3650)
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
                f"repay_above_months {self.repay_above_months} must be >= cash_target_months {self.cash_target_months}"
            )
        return self


class ScoringConfig(Frozen):
    """The data-driven scoring model and its burn-in training history."""

    backend: Literal["sklearn", "fake"] = "sklearn"
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


class InnovatedConfig(Frozen):
    """Data-driven product terms."""

    decision_days: int = Field(default=0, ge=0, le=365)
    pd_cutoff: float = Field(default=0.12, gt=0, lt=1)
    limit_sales_months: float = Field(
        default=1.5, gt=0, le=24, description="line at PD 0, months of recent sales"
    )
    limit_pd_haircut: float = Field(
        default=0.5, ge=0, le=1, description="share of the line cut away at PD = cutoff"
    )
    min_limit_cny: float = Field(default=10_000, gt=0)
    max_limit_cny: float = Field(default=10_000_000, gt=0)
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
    recovery_rate: float = Field(default=0.1, ge=0, le=1, description="unsecured recovery share")

    @model_validator(mode="after")
    def _limits(self) -> Self:
        if self.max_limit_cny < self.min_limit_cny:
            raise ValueError(
                f"max_limit_cny {self.max_limit_cny} must be >= min_limit_cny {self.min_limit_cny}"
            )
        if self.freeze_pd < self.pd_cutoff:
            raise ValueError(f"freeze_pd {self.freeze_pd} must be >= pd_cutoff {self.pd_cutoff}")
        return self


class TraditionalConfig(Frozen):
    """Collateral / financial-statement lending terms."""

    decision_days: int = Field(default=30, ge=0, le=365)
    ltv: float = Field(default=0.6, gt=0, le=1)
    revenue_share: float = Field(default=0.3, gt=0, le=2)
    min_margin: float = Field(default=0.03, ge=-1, le=1)
    unsecured_min_margin: float = Field(default=0.08, ge=-1, le=1)
    unsecured_revenue_share: float = Field(default=0.1, ge=0, le=2)
    pd_grade: tuple[float, float, float, float] = (0.01, 0.02, 0.04, 0.2)
    min_limit_cny: float = Field(default=10_000, gt=0)
    max_limit_cny: float = Field(default=10_000_000, gt=0)
    rate_daily_bps: float = Field(default=0.96, ge=0, le=100)
    review_months: int = Field(
        default=12, ge=1, le=60, description="collateral revaluation interval"
    )
    collateral_haircut: float = Field(
        default=0.3, ge=0, le=1, description="forced-sale discount on recovery"
    )


class LedgerConfig(Frozen):
    """Billing and delinquency (shared by both modes)."""

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


class SectorShock(Shock):
    """Sales of the listed categories move by ``magnitude`` (e.g. -0.25)."""

    categories: tuple[str, ...] = Field(min_length=1)


class ShocksConfig(Frozen):
    """Exogenous shocks on sim days [start_day, end_day)."""

    platform_traffic: tuple[Shock, ...] = ()
    sector_downturn: tuple[SectorShock, ...] = ()
    rate_rise: tuple[Shock, ...] = Field(default=(), description="magnitude in bps per year")
    property_price: tuple[Shock, ...] = Field(default=(), description="relative index move")


class MerchantCreditConfig(Frozen):
    """Case 2: platform merchants, consent, scoring, revolving credit vs collateral lending."""

    merchants: int = Field(default=2000, ge=50, le=1_000_000)
    population: PopulationConfig = PopulationConfig()
    health: HealthConfig = HealthConfig()
    seasonality: SeasonalityConfig = SeasonalityConfig()
    behaviour: BehaviourConfig = BehaviourConfig()
    scoring: ScoringConfig = ScoringConfig()
    innovated: InnovatedConfig = InnovatedConfig()
    traditional: TraditionalConfig = TraditionalConfig()
    ledger: LedgerConfig = LedgerConfig()
    shocks: ShocksConfig = ShocksConfig()

    @model_validator(mode="after")
    def _shock_categories(self) -> Self:
        known = set(self.population.categories)
        for i, shock in enumerate(self.shocks.sector_downturn):
            unknown = sorted(set(shock.categories) - known)
            if unknown:
                raise ValueError(
                    f"shocks.sector_downturn.{i}.categories: {unknown} not in population.categories {sorted(known)}"
                )
        return self
