"""The report's figures and tables: units, no constant or repeated panels, shocks and markers."""

import datetime as dt

import pandas as pd
import pytest

from sim.cases.kpi_glossary import Kpi
from sim.recorder import Recorder
from sim.report import write_report
from sim.report_figures import Marker, Window, kpi_series_figure, shock_windows, split_series

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
GLOSSARY = {
    "volume_cny": Kpi("Money lent in the month, CNY.", "CNY", "higher", "volume lent"),
    "loss_rate": Kpi("Losses / balance at the month start.", "share", "lower", "loss rate"),
    "leases": Kpi("Running leases, mean over the month.", "count", "higher", "active leases"),
}


def _series(months: int = 4, extra_period: bool = True) -> pd.DataFrame:
    rows = []
    for mode, scale in (("innovated", 1.0), ("traditional", 0.5)):
        for p in range(months + (1 if extra_period else 0)):
            rows.append(("c", mode, p, "volume_cny", 2e7 * scale * (p + 1)))
            rows.append(("c", mode, p, "loss_rate", 0.0))
            rows.append(("c", mode, p, "leases", 39.5 + 0.5 * (p % 2)))
    return pd.DataFrame(rows, columns=["case", "mode", "period", "kpi", "value"])


def test_split_drops_constant_kpis_skipped_ones_and_periods_past_the_horizon():
    frame, constant = split_series(_series(), "c", months=4, skip=["leases"])
    assert constant == {"loss_rate": 0.0}
    assert set(frame["kpi"]) == {"volume_cny"} and frame["period"].max() == 3


def test_series_figure_titles_units_zero_based_axes_and_one_shared_legend():
    frame, _ = split_series(_series(), "c", months=4)
    fig = kpi_series_figure(frame, "c", GLOSSARY, [Window(0.5, 2.0, "traffic -0.3")])
    assert fig is not None
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = {ax.get_title(): ax for ax in axes}
    assert set(titles) == {"volume lent", "active leases"}
    money = titles["volume lent"]
    assert money.get_ylabel() == "¥ million"
    assert max(money.lines[0].get_ydata()) == pytest.approx(80.0)  # 8e7 CNY in ¥ million
    assert titles["active leases"].get_ylim()[0] == 0  # 39.5-40 is not drawn as a trend
    assert all(ax.get_legend() is None for ax in axes)
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["innovated", "traditional", "shock: traffic -0.3"]


def test_shock_windows_are_found_in_the_case_config_and_put_on_the_month_axis():
    config = {
        "shocks": {
            "platform_traffic": [{"start_day": 31, "end_day": 59, "magnitude": -0.3}],
            "late": [{"start_day": 900, "end_day": 950, "magnitude": 1}],
        },
        "demand": {"shocks": [{"start_day": 0, "end_day": 400, "magnitude": 0.1}]},
    }
    windows = shock_windows(config, dt.date(2025, 1, 1), months=12)
    assert [w.label for w in windows] == ["platform_traffic -0.3", "demand +0.1"]
    traffic, demand = windows
    assert traffic.start == pytest.approx(0.5) and traffic.end == pytest.approx(1.5)
    assert demand.start == pytest.approx(-0.5) and demand.end == pytest.approx(11.5)


def _manifest(months: int) -> dict:
    return {
        "run_id": "r1",
        "scenario": "s",
        "seed": 1,
        "config_hash": "h",
        "status": "ok",
        "config": {"modes": ["innovated", "traditional"], "months": months, "start": "2025-01-01"},
    }


def test_report_states_values_in_units_and_one_kind_of_change(tmp_path):
    rec = Recorder(tmp_path, START)
    rec.define("c", GLOSSARY)
    for mode, volume, loss in (("innovated", 3.2e7, 0.012), ("traditional", 1.6e7, 0.02)):
        rec.total("c", mode, "volume_cny", volume)
        rec.total("c", mode, "loss_rate", loss)
    for row in _series().itertuples():
        rec.kpi(row.case, row.mode, row.period, row.kpi, row.value)
    rec.claim("c", "losses fall", "≤ -30 % relative", -40.0, True, "how", unit="% relative")
    rec.mark("c", "volume_cny", "innovated", 2, "no financing: core credit line used up")
    page = write_report(tmp_path, rec, _manifest(4)).read_text()
    assert page.count("claims at a glance") == 1
    assert "-40.0 % relative" in page and "≤ -30 % relative" in page
    assert "¥ 32.0 M" in page and "+100 %" in page  # money, relative change
    assert "1.20 %" in page and "-0.800 pp" in page  # a share, its change in pp
    assert "class=good" in page  # both changes go the good way
    assert "loss_rate = 0 %" in page  # constant series listed, not drawn
    assert "month 2 (innovated): no financing: core credit line used up" in page


def test_marker_is_drawn_on_its_panel():
    frame, _ = split_series(_series(), "c", months=4)
    marker = Marker("volume_cny", "innovated", 2, "no financing")
    fig = kpi_series_figure(frame, "c", GLOSSARY, markers=[marker])
    assert fig is not None
    panel = next(ax for ax in fig.axes if ax.get_title() == "volume lent")
    assert [t.get_text() for t in panel.texts] == ["no financing"]


def test_importing_the_report_code_leaves_the_matplotlib_backend_alone():
    import subprocess
    import sys

    modules = "sim, sim.report, sim.recorder, sim.report_figures, sim.cases.merchant_credit.report"
    code = (
        f"import matplotlib; matplotlib.use('svg'); import {modules}; "
        "print(matplotlib.get_backend())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "svg"
