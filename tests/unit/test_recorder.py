"""Recorder, atomic writes and the report."""

import datetime as dt
import json
import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sim import io as sio
from sim.recorder import Recorder
from sim.report import write_report

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_events_and_kpis_round_trip(tmp_path):
    rec = Recorder(tmp_path, START)
    rec.event("c", "innovated", 25.0, "approve", agent=3, amount=1000.0, limit=5)
    rec.event("c", "traditional", 1.0, "apply")
    rec.kpi("c", "innovated", 0, "npl_ratio", 0.01)
    rec.save()
    events = pd.read_parquet(tmp_path / "events.parquet")
    assert list(events["kind"]) == ["approve", "apply"]
    assert events.loc[0, "time"] == pd.Timestamp(START) + pd.Timedelta(hours=25)
    assert json.loads(events.loc[0, "detail"]) == {"limit": 5}
    assert events.loc[0, "agent"] == "3"
    assert math.isnan(events.loc[1, "amount"])
    kpis = pd.read_parquet(tmp_path / "kpis.parquet")
    assert kpis.to_dict("records") == [
        {"case": "c", "mode": "innovated", "period": 0, "kpi": "npl_ratio", "value": 0.01}
    ]


def test_totals_are_plain_json(tmp_path):
    import numpy as np

    rec = Recorder(tmp_path, START)
    rec.total("c", "innovated", "approval_rate", np.float64(0.5))
    rec.total("c", "innovated", "undefined", float("nan"))
    assert rec.totals == {"c.innovated.approval_rate": 0.5, "c.innovated.undefined": None}
    sio.write_json(tmp_path / "t.json", rec.totals)
    assert json.loads((tmp_path / "t.json").read_text())["c.innovated.undefined"] is None


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "x.json"
    sio.write_json(target, {"a": 1})

    def boom(_tmp):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        sio._atomic(target, boom)
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_report_has_tables_claims_and_figures(tmp_path):
    rec = Recorder(tmp_path, START)
    for mode, value in (("innovated", 0.01), ("traditional", 0.03)):
        rec.total("c", mode, "npl_ratio", value)
        for month in range(3):
            rec.kpi("c", mode, month, "npl_ratio", value * (month + 1))
    rec.claim("c", "NPL ≤ 1.5%", "<= 0.015", 0.01, True)
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    rec.figure("c", "extra", fig)
    manifest = {
        "run_id": "r1",
        "scenario": "s",
        "seed": 1,
        "config_hash": "h",
        "status": "failed",
        "error": "ChainError: anvil died",
        "config": {"modes": ["innovated", "traditional"], "c": {}},
    }
    page = write_report(tmp_path, rec, manifest).read_text()
    assert "anvil died" in page and "partial" in page
    assert "NPL ≤ 1.5%" in page and "holds" in page
    assert page.count("<img") == 2
    assert (tmp_path / "figures" / "c-kpi_series.png").stat().st_size > 1000


def test_report_glossary_defines_kpis_and_the_tables_link_to_it(tmp_path):
    rec = Recorder(tmp_path, START)
    rec.total("c", "innovated", "npl_ratio", 0.01)
    rec.total("c", "innovated", "undefined_kpi", 2)
    rec.define("c", {"npl_ratio": "90+ dpd balance / outstanding <at month end>"})
    manifest = {
        "run_id": "r1",
        "scenario": "s",
        "seed": 1,
        "config_hash": "h",
        "status": "ok",
        "config": {"modes": ["innovated"], "c": {}},
    }
    page = write_report(tmp_path, rec, manifest).read_text()
    assert '<a href="#glossary-c-npl_ratio">npl_ratio</a>' in page
    assert '<tr id="glossary-c-npl_ratio">' in page
    assert "90+ dpd balance / outstanding &lt;at month end&gt;" in page
    assert "<td class=k>undefined_kpi</td>" in page
