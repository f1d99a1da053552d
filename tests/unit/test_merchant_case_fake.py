"""The whole merchant-credit case on the in-memory scoring fake (fast path of the runner)."""

from __future__ import annotations

from pathlib import Path

from sim import run_scenario


def test_case_runs_on_the_fake_scorer(tmp_path: Path) -> None:
    scenario = {
        "name": "mc-fake",
        "months": 3,
        "merchant_credit": {
            "merchants": 300,
            "scoring": {"adapter": "fake", "training_merchants": 300},
            "shocks": {"platform_traffic": [{"start_day": 20, "end_day": 60, "magnitude": -0.4}]},
        },
    }
    run = run_scenario(scenario, seed=1, out=tmp_path, progress=False)
    assert run.status == "ok"
    assert run.manifest["provenance"]["merchant_credit.model_sha256"] is None
    kpis = run.kpis
    assert kpis["merchant_credit.innovated.decisions"] > 0
    assert kpis["merchant_credit.traditional.decisions"] > 0
    assert 0.5 < kpis["merchant_credit.innovated.data_path_share"] < 1
    assert kpis["merchant_credit.traditional.data_path_share"] == 0
    # same merchants and streams: total sales differ only through credit access
    sales_i = kpis["merchant_credit.innovated.merchant_sales_cny"]
    sales_t = kpis["merchant_credit.traditional.merchant_sales_cny"]
    assert abs(sales_i / sales_t - 1) < 0.2
