"""Recording the merchant-credit case: KPI series, totals, claims, figures, provenance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from products.credit.metrics import psi

if TYPE_CHECKING:
    from agents.merchant_credit.population import MerchantDrivers
    from sim.cases.base import CaseContext
    from sim.cases.merchant_credit.kpis import MerchantCreditKpis
    from sim.cases.merchant_credit.training import TrainedScorer

CASE = "merchant_credit"
NPL_CLAIM = 0.015
APPROVAL_CLAIM = 0.40
SERIES_PANELS = (
    ("approval_rate", "approval rate"),
    ("npl_ratio", "NPL ratio (90+ dpd / outstanding)"),
    ("credit_outstanding_cny", "credit outstanding (CNY)"),
    ("average_limit_cny", "average limit (CNY)"),
    ("limit_utilisation", "limit utilisation"),
    ("interest_income_net_cny", "interest income net of losses (CNY/month)"),
)


def record_model(ctx: CaseContext, trained: TrainedScorer) -> None:
    """Held-out metrics, model hash and the calibration plot."""
    rec = ctx.recorder
    for name, value in trained.holdout.items():
        rec.total(CASE, "model", f"holdout_{name}", value)
    rec.provenance(f"{CASE}.model_sha256", trained.sha256)
    rec.provenance(f"{CASE}.model", ctx.case.scoring.model_dump(mode="json"))
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax, hist = fig.subplots(1, 2)
    cal = trained.calibration
    top = float(max(cal.mean_predicted.max(initial=0.1), cal.observed_rate.max(initial=0.1)))
    ax.plot([0, top], [0, top], "k--", lw=1, label="perfect calibration")
    ax.plot(cal.mean_predicted, cal.observed_rate, "o-", label="held-out bins")
    ax.set(xlabel="predicted PD", ylabel="observed failure rate", title="Calibration (held-out)")
    ax.legend()
    hist.hist(trained.holdout_scores, bins=30, color="grey")
    hist.set(xlabel="predicted PD", ylabel="merchants", title="Held-out score distribution")
    rec.figure(CASE, "calibration", fig)


def record_drivers(
    ctx: CaseContext, drivers: MerchantDrivers, names: tuple[list[str], list[str]]
) -> None:
    """Figure of the exogenous series the run was driven by (shocks visible)."""
    start = drivers.row(0)
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    demand, prop, rate = fig.subplots(1, 3)
    for j, category in enumerate(names[0]):
        demand.plot(
            drivers.season[start:, j] * drivers.traffic[start:] * drivers.sector[start:, j],
            lw=0.8,
            label=category,
        )
    demand.set(title="demand factor (season x traffic x sector)", xlabel="day")
    demand.legend(fontsize=7)
    for j, region in enumerate(names[1]):
        prop.plot(drivers.property_index[start:, j], label=region)
    prop.set(title="property-price index (collateral)", xlabel="day")
    prop.legend(fontsize=7)
    rate.plot(drivers.rate_add_daily_bps[start:] * 365)
    rate.set(title="rate add-on (bps/yr)", xlabel="day")
    ctx.recorder.figure(CASE, "drivers", fig)


def record_mode(
    ctx: CaseContext, mode: str, kpis: MerchantCreditKpis, trained: TrainedScorer
) -> None:
    """Monthly series and run totals of one mode."""
    rec = ctx.recorder
    aucs, kss = kpis.score_quality(kpis.failed_day, kpis.label_window_days)
    cohort_rates, _ = kpis.default_rates()
    series = {**kpis.series, "default_rate": cohort_rates, "score_auc": aucs, "score_ks": kss}
    if mode == "innovated":  # PSI compares the model's in-run scores with its training scores
        series["score_psi"] = [psi(trained.holdout_scores, pd) for _, _, pd in kpis.scores]
        finite = [v for v in series["score_psi"] if math.isfinite(v)]
        rec.total(CASE, mode, "score_psi_mean", float(np.mean(finite)) if finite else None)
    for name, values in series.items():
        for month, value in enumerate(values):
            rec.kpi(CASE, mode, month, name, value)
    for name, total in kpis.totals().items():
        rec.total(CASE, mode, name, total)


def record_claims(ctx: CaseContext, modes: dict[str, MerchantCreditKpis]) -> None:
    """The article's case-2 claims next to the measured values, and the comparison figure."""
    rec = ctx.recorder
    innovated, traditional = modes.get("innovated"), modes.get("traditional")
    if innovated is not None:
        npl = innovated.npl_ratio_mean()
        rec.claim(
            CASE,
            "NPL ratio within 1.5%",
            "<= 0.015",
            npl,
            bool(npl <= NPL_CLAIM) if math.isfinite(npl) else None,
            "innovated mode, npl_ratio_mean: 90+ dpd balance / outstanding, mean of the last "
            "12 month ends",
        )
    if innovated is not None and traditional is not None:
        a_i, a_t = innovated.approval_rate(), traditional.approval_rate()
        lift = a_i / a_t - 1 if a_t > 0 else math.nan
        holds = bool(lift >= APPROVAL_CLAIM) if math.isfinite(lift) else None
        rec.claim(
            CASE,
            "approval rate +40% vs traditional",
            ">= +0.40 (relative)",
            lift,
            holds,
            f"approval_rate (per unique applicant) innovated {a_i:.3f} vs traditional {a_t:.3f} "
            f"({(a_i - a_t) * 100:+.1f} pp)",
        )
    rec.figure(CASE, "kpis", _comparison_figure(modes))
    rec.figure(CASE, "reject_inference", _reject_inference_figure(modes))


REJECT_GROUPS = ("approved", "rejected", "discouraged", "all_seekers")


def _reject_inference_figure(modes: dict[str, MerchantCreditKpis]) -> Figure:
    """What a bank that sees only its borrowers measures, against the twin's truth for everyone
    who sought credit: failure rates by group, and the application AUC on both populations."""
    fig = Figure(figsize=(11, 4), layout="constrained")
    rates, aucs = fig.subplots(1, 2)
    width = 0.8 / max(len(modes), 1)
    for k, (mode, kpis) in enumerate(modes.items()):
        totals = kpis.totals()
        values = [totals[f"bad_rate_{g}"] for g in REJECT_GROUPS]
        x = np.arange(len(REJECT_GROUPS)) + k * width
        rates.bar(x, [v if v is not None else np.nan for v in values], width, label=mode)
        pair = [totals["application_auc_approved_only"], totals["application_auc"]]
        aucs.bar(np.arange(2) + k * width, [v if v is not None else np.nan for v in pair], width)
    rates.set_xticks(np.arange(len(REJECT_GROUPS)) + width / 2, REJECT_GROUPS)
    rates.set(title="failure within the label window, by who sought credit", ylabel="share")
    rates.legend()
    aucs.set_xticks(np.arange(2) + width / 2, ["approved only (bank)", "all applicants (truth)"])
    aucs.set(title="application AUC", ylim=(0, 1))
    return fig


def _comparison_figure(modes: dict[str, MerchantCreditKpis]) -> Figure:
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, (key, title) in zip(axes, SERIES_PANELS, strict=True):
        for mode, kpis in modes.items():
            ax.plot(kpis.series[key], marker=".", label=mode)
        ax.set(title=title, xlabel="month")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle("Merchant credit: data-driven (innovated) vs collateral (traditional)")
    return fig
