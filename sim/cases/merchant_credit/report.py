"""Recording the merchant-credit case: KPI series, totals, claims, figures, provenance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from products.credit.metrics import psi
from sim.cases.merchant_credit.kpis import GLOSSARY
from sim.report_figures import (
    Window,
    kpi_series_figure,
    shade_windows,
    shock_windows,
    split_series,
    window_handles,
)

if TYPE_CHECKING:
    from agents.merchant_credit.population import MerchantDrivers
    from sim.cases.base import CaseContext
    from sim.cases.merchant_credit.kpis import MerchantCreditKpis
    from sim.cases.merchant_credit.training import TrainedScorer

CASE = "merchant_credit"
NPL_CLAIM = 0.015
APPROVAL_CLAIM = 0.40
#: The headline monthly KPIs of the case figure (titles and units come from the glossary).
SERIES_KPIS = (
    "approval_rate",
    "npl_ratio",
    "credit_outstanding_cny",
    "average_limit_cny",
    "limit_utilisation",
    "interest_income_net_cny",
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
    """Figure of the exogenous series the run was driven by, shock windows shaded; a driver that
    stays constant over the run (e.g. no rate shock) is said in the title, not drawn."""
    start = drivers.row(0)
    rate = drivers.rate_add_daily_bps[start:] * 365
    flat_rate = bool(np.ptp(rate) == 0) if len(rate) else True
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    axes = fig.subplots(1, 2 if flat_rate else 3)
    demand, prop = axes[0], axes[1]
    for j, category in enumerate(names[0]):
        demand.plot(
            drivers.season[start:, j] * drivers.traffic[start:] * drivers.sector[start:, j],
            lw=0.8,
            label=category,
        )
    demand.set(title="Demand factor by category", xlabel="sim day", ylabel="index (1 = normal)")
    demand.legend(fontsize=7, title="category", title_fontsize=7)
    for j, region in enumerate(names[1]):
        prop.plot(drivers.property_index[start:, j], label=region)
    prop.set(
        title="Property-price index (collateral)", xlabel="sim day", ylabel="index (start = 1)"
    )
    prop.legend(fontsize=7, title="region", title_fontsize=7)
    if not flat_rate:
        axes[2].plot(rate, color="tab:red")
        axes[2].set(title="Loan-rate add-on", xlabel="sim day", ylabel="bps per year")
    windows = _day_windows(ctx)
    for ax in axes:
        shade_windows(ax, windows)
    title = "Exogenous drivers of the run"
    if flat_rate:
        title += f" (loan-rate add-on constant at {float(rate[0]) if len(rate) else 0:g} bps/yr)"
    fig.suptitle(title, fontsize=10)
    if windows:
        handles = window_handles(windows)
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    ctx.recorder.figure(CASE, "drivers", fig)


def _day_windows(ctx: CaseContext) -> list[Window]:
    """The case's shock windows on the drivers' sim-day axis."""
    horizon = ctx.config.horizon_days
    return [
        Window(w["start_day"], min(w["end_day"], horizon), f"{kind} {w['magnitude']:+g}")
        for kind, windows in ctx.case.shocks.model_dump(mode="json").items()
        if isinstance(windows, list)
        for w in windows
        if isinstance(w, dict) and w.get("start_day", horizon) < horizon
    ]


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
            "≤ 1.5 %",
            npl * 100 if math.isfinite(npl) else None,
            bool(npl <= NPL_CLAIM) if math.isfinite(npl) else None,
            "innovated mode, npl_ratio_mean: 90+ dpd balance / outstanding, mean of the last "
            "12 month ends",
            unit="%",
        )
    if innovated is not None and traditional is not None:
        a_i, a_t = innovated.approval_rate(), traditional.approval_rate()
        lift = a_i / a_t - 1 if a_t > 0 else math.nan
        holds = bool(lift >= APPROVAL_CLAIM) if math.isfinite(lift) else None
        rec.claim(
            CASE,
            "approval rate +40% vs traditional",
            "≥ +40 % relative",
            lift * 100 if math.isfinite(lift) else None,
            holds,
            f"relative change of approval_rate (per unique applicant): traditional "
            f"{a_t * 100:.1f} % -> innovated {a_i * 100:.1f} % of applicants approved",
            unit="% relative",
        )
    rec.figure(CASE, "kpis", _comparison_figure(ctx, SERIES_KPIS), shows=SERIES_KPIS)
    rec.figure(CASE, "reject_inference", _reject_inference_figure(modes))


REJECT_GROUPS = ("approved", "rejected", "discouraged", "all_seekers")


def _reject_inference_figure(modes: dict[str, MerchantCreditKpis]) -> Figure:
    """What a bank that sees only its borrowers measures, against the twin's truth for everyone
    who sought credit: failure rates by group, and the application AUC on both populations."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    rates, aucs = fig.subplots(1, 2)
    width = 0.8 / max(len(modes), 1)
    for k, (mode, kpis) in enumerate(modes.items()):
        totals = kpis.totals()
        values = [totals[f"bad_rate_{g}"] for g in REJECT_GROUPS]
        x = np.arange(len(REJECT_GROUPS)) + k * width
        rates.bar(x, [v * 100 if v is not None else np.nan for v in values], width, label=mode)
        pair = [totals["application_auc_approved_only"], totals["application_auc"]]
        aucs.bar(np.arange(2) + k * width, [v if v is not None else np.nan for v in pair], width)
    rates.set_xticks(np.arange(len(REJECT_GROUPS)) + width * (len(modes) - 1) / 2, REJECT_GROUPS)
    rates.set(title="Failure within the label window, by who sought credit", ylabel="%")
    aucs.set_xticks(
        np.arange(2) + width * (len(modes) - 1) / 2,
        ["approved only (what the bank sees)", "all applicants (the twin's truth)"],
    )
    aucs.set(title="Application AUC (0.5 = no skill)", ylim=(0, 1), ylabel="AUC")
    aucs.axhline(0.5, color="grey", lw=0.8, ls=":")
    handles, labels = rates.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=max(len(labels), 1))
    return fig


def _comparison_figure(ctx: CaseContext, keys: tuple[str, ...]) -> Figure:
    """The headline monthly KPIs of both modes, drawn like the report's KPI-series figure."""
    config = ctx.config
    frame, _ = split_series(ctx.recorder.kpis_frame(), CASE, config.months)
    frame = frame[frame["kpi"].isin(keys)]
    frame = frame.assign(order=frame["kpi"].map(keys.index)).sort_values(["order", "period"])
    windows = shock_windows(ctx.case.model_dump(mode="json"), config.start, config.months)
    fig = kpi_series_figure(frame, CASE, GLOSSARY, windows) or Figure()
    fig.suptitle("Merchant credit: data-driven (innovated) vs collateral (traditional)")
    return fig
