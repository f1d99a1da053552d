"""Recording the merchant-credit case: KPI series, totals, claims, figures, provenance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from products.credit.metrics import auc, ks, psi
from sim.cases.merchant_credit_kpis import FEN_PER_CNY, ratio

if TYPE_CHECKING:
    from sim.cases.base import CaseContext
    from sim.cases.merchant_credit_sim import LendingSim
    from sim.cases.merchant_credit_training import TrainedScorer

CASE = "merchant_credit"
NPL_CLAIM = 0.015
APPROVAL_CLAIM = 0.40
SERIES_PANELS = (
    ("approval_rate", "approval rate"),
    ("npl_ratio", "NPL ratio (90+ dpd / outstanding)"),
    ("outstanding_cny", "outstanding (CNY)"),
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
    fig = Figure(figsize=(5, 4.5))
    ax = fig.subplots()
    cal = trained.calibration
    ax.plot(
        [0, cal.mean_predicted.max(initial=0.1)],
        [0, cal.mean_predicted.max(initial=0.1)],
        "k--",
        lw=1,
    )
    ax.plot(cal.mean_predicted, cal.observed_rate, "o-", label="held-out bins")
    ax.set(xlabel="predicted PD", ylabel="observed failure rate", title="Scoring model calibration")
    ax.legend()
    rec.figure(CASE, "calibration", fig)


def record_mode(ctx: CaseContext, mode: str, sim: LendingSim, trained: TrainedScorer) -> None:
    """Monthly series and run totals of one mode."""
    rec, kpis = ctx.recorder, sim.kpis
    window = ctx.case.scoring.label_window_days
    aucs, kss = kpis.score_quality(sim.pop.failed_day, window)
    psis = [
        psi(trained.holdout_scores, pd) if mode == "innovated" else math.nan
        for _, _, pd in kpis.scores
    ]
    series = {**kpis.series, "score_auc": aucs, "score_ks": kss, "score_psi": psis}
    for name, values in series.items():
        for month, value in enumerate(values):
            rec.kpi(CASE, mode, month, name, value)
    for name, value in _totals(sim, window).items():
        rec.total(CASE, mode, name, value)
    rec.total(
        CASE, mode, "score_psi_mean", float(np.nanmean(psis)) if np.isfinite(psis).any() else None
    )


def _totals(sim: LendingSim, window: int) -> dict[str, float | None]:
    s, book, pop = sim.kpis.series, sim.book, sim.pop
    t = book.totals
    scored = np.flatnonzero(~np.isnan(sim.first_score))
    label = pop.failed_day[scored] <= sim.first_score_day[scored] + window
    years = len(s["applications"]) / 12
    return {
        "applications": float(sum(s["applications"])),
        "approvals": float(sum(s["approvals"])),
        "decisions": float(sum(s["decisions"])),
        "approval_rate": _approval(sim),
        "npl_ratio_end": s["npl_ratio"][-1],
        "npl_ratio_mean": float(np.nanmean(s["npl_ratio"])),
        "default_rate": ratio(sim.kpis.defaulted, sim.kpis.opened),
        "loss_rate": ratio(t.written_off - t.recovered, t.drawn),
        "interest_income_net_cny": (t.interest_paid - t.written_off + t.recovered) / FEN_PER_CNY,
        "drawn_cny": t.drawn / FEN_PER_CNY,
        "average_limit_cny": float(np.nanmean(s["average_limit_cny"])),
        "limit_utilisation": float(np.nanmean(s["limit_utilisation"])),
        "application_auc": auc(label, sim.first_score[scored]),
        "application_ks": ks(label, sim.first_score[scored]),
        "merchant_exit_rate_annual": ratio(float((~pop.alive).sum()), pop.size * years),
        "merchant_sales_cny": float(sum(s["merchant_sales_cny"])),
    }


def record_claims(ctx: CaseContext, sims: dict[str, LendingSim]) -> None:
    """The article's case-2 claims next to the measured values, and the comparison figure."""
    rec = ctx.recorder
    innovated, traditional = sims.get("innovated"), sims.get("traditional")
    if innovated is not None:
        npl = innovated.kpis.series["npl_ratio"][-1]
        rec.claim(
            CASE,
            "NPL ratio within 1.5%",
            "<= 0.015",
            npl,
            bool(npl <= NPL_CLAIM) if math.isfinite(npl) else None,
            "innovated mode, 90+ dpd balance / outstanding at the end of the run",
        )
    if innovated is not None and traditional is not None:
        a_i, a_t = (_approval(s) for s in (innovated, traditional))
        lift = a_i / a_t - 1 if a_t > 0 else math.nan
        holds = bool(lift >= APPROVAL_CLAIM) if math.isfinite(lift) else None
        rec.claim(
            CASE,
            "approval rate +40% vs traditional",
            ">= +0.40 (relative)",
            lift,
            holds,
            f"approval rate innovated {a_i:.3f} vs traditional {a_t:.3f} ({(a_i - a_t) * 100:+.1f} pp)",
        )
    rec.figure(CASE, "kpis", _comparison_figure(sims))


def _approval(sim: LendingSim) -> float:
    s = sim.kpis.series
    return ratio(sum(s["approvals"]), sum(s["decisions"]))


def _comparison_figure(sims: dict[str, LendingSim]) -> Figure:
    fig = Figure(figsize=(12, 6.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    for ax, (key, title) in zip(axes, SERIES_PANELS, strict=True):
        for mode, sim in sims.items():
            ax.plot(sim.kpis.series[key], marker=".", label=mode)
        ax.set(title=title, xlabel="month")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle("Merchant credit: data-driven (innovated) vs collateral (traditional)")
    return fig
