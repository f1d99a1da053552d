"""The merchant-credit case end to end with the real sklearn model: reproducible, recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim import run_scenario

pytestmark = pytest.mark.model

SCENARIO = {
    "name": "mc-test",
    "months": 4,
    "merchant_credit": {"merchants": 400, "scoring": {"training_merchants": 1000}},
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("runs")
    return {
        "a": run_scenario(SCENARIO, seed=3, out=out / "a", progress=False),
        "b": run_scenario(SCENARIO, seed=3, out=out / "b", progress=False),
        "c": run_scenario(SCENARIO, seed=4, out=out / "c", progress=False),
    }


def test_same_seed_identical_kpis_different_seed_differs(runs) -> None:
    a, b, c = runs["a"], runs["b"], runs["c"]
    assert a.status == "ok"
    assert a.kpis == b.kpis
    assert a.kpis != c.kpis
    assert (
        a.manifest["provenance"]["merchant_credit.model_sha256"]
        == b.manifest["provenance"]["merchant_credit.model_sha256"]
    )


def test_both_modes_report_every_kpi(runs) -> None:
    kpis = runs["a"].kpis
    for mode in ("innovated", "traditional"):
        for name in (
            "applications",
            "approval_rate",
            "npl_ratio_end",
            "default_rate",
            "loss_rate",
            "interest_income_net_cny",
            "average_limit_cny",
            "limit_utilisation",
            "application_auc",
            "application_auc_approved_only",
            "approval_rate_decisions",
            "npl_ratio_mean",
            "default_share_cumulative",
            "credit_outstanding_cny",
            "credit_committed_cny",
            "collateral_bound_share",
            "seekers_discouraged_share",
            "bad_rate_all_seekers",
        ):
            assert f"merchant_credit.{mode}.{name}" in kpis, (mode, name)
    assert kpis["merchant_credit.innovated.applications"] > 0
    assert 0.5 < kpis["merchant_credit.model.holdout_auc"] <= 1


def test_monthly_series_claims_figures_and_model_files(runs) -> None:
    run = runs["a"]
    series = pd.read_parquet(Path(run.run_dir) / "kpis.parquet")
    mc = series[series["case"] == "merchant_credit"]
    assert set(mc["period"]) == {0, 1, 2, 3}
    assert {"approval_rate", "npl_ratio", "score_psi", "score_auc", "default_rate"} <= set(
        mc["kpi"]
    )
    assert {"credit_outstanding_cny", "credit_committed_cny"} <= set(mc["kpi"])
    claims = {c["claim"]: c for c in run.claims}
    assert {"NPL ratio within 1.5%", "approval rate +40% vs traditional"} <= set(claims)
    assert all(isinstance(c["measured"], float) for c in claims.values())
    assert (Path(run.run_dir) / "figures" / "merchant_credit-kpis.png").is_file()
    assert (Path(run.run_dir) / "figures" / "merchant_credit-calibration.png").is_file()
    assert (Path(run.run_dir) / "figures" / "merchant_credit-reject_inference.png").is_file()
    assert (
        "glossary-merchant_credit-default_rate" in (Path(run.run_dir) / "report.html").read_text()
    )
    model_dir = Path(run.run_dir) / "artifacts" / "merchant_credit_model"
    sidecar = json.loads((model_dir / "model.json").read_text())
    assert sidecar["sha256"] == run.manifest["provenance"]["merchant_credit.model_sha256"]
    events = pd.read_parquet(Path(run.run_dir) / "events.parquet")
    kinds = set(events.loc[events["case"] == "merchant_credit", "kind"])
    assert {"application", "approval", "rejection"} <= kinds


@pytest.mark.slow
def test_full_scenario_at_ten_thousand_merchants(tmp_path: Path) -> None:
    """Stress run: the 24-month scenario with 10,000 merchants completes with sane KPIs."""
    root = Path(__file__).resolve().parents[2]
    run = run_scenario(
        root / "scenarios" / "merchant_credit.yaml",
        overrides=["merchant_credit.merchants=10000"],
        out=tmp_path,
        progress=False,
    )
    assert run.status == "ok"
    for mode in ("innovated", "traditional"):
        assert 0 <= run.kpis[f"merchant_credit.{mode}.npl_ratio_end"] < 1
        assert run.kpis[f"merchant_credit.{mode}.applications"] > 1000
    assert run.kpis["merchant_credit.innovated.application_auc"] > 0.6
