"""CLI polish: defaults consistent with the scenarios, runs/ stated, metrics to 3-4 digits."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.merchant_credit.schema import ScoringConfig
from sim.cli import build_parser, main
from sim.report_units import format_change, format_value, sig


def test_score_train_defaults_to_the_scenarios_estimator():
    args = build_parser().parse_args(["score", "train", "--data", "x.csv", "--target", "y"])
    assert args.estimator == ScoringConfig().estimator == "random_forest"


@pytest.mark.parametrize("command", ["run", "runs", "sweep"])
def test_help_states_where_runs_go(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "runs/" in capsys.readouterr().out


def test_score_train_prints_metrics_to_three_or_four_significant_digits(tmp_path, capsys):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"sales": rng.lognormal(10, 1, 300), "age": rng.integers(1, 20, 300)})
    frame["bad"] = (rng.random(300) < 0.2 + 0.2 * (frame["age"] < 5)).astype(int)
    frame.to_csv(tmp_path / "loans.csv", index=False)
    args = ["--data", str(tmp_path / "loans.csv"), "--target", "bad", "--out", str(tmp_path)]
    args += ["--estimator", "logistic_regression"]  # fast; the default is tested above
    assert main(["score", "train", *args, "-q"]) == 0
    out = capsys.readouterr().out
    metrics = dict(re.findall(r"^(auc|ks|brier\w*): (\S+)$", out, flags=re.M))
    assert "auc" in metrics, out
    for value in metrics.values():
        digits = value.replace("0.", "", 1).lstrip("0").replace(".", "")
        assert len(digits) <= 4 and "e" not in value, f"{value} has too many digits"
    assert "estimator: logistic_regression" in out


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (0.012345, "share", "1.23 %"),
        (12_345_678.0, "CNY", "¥ 12.3 M"),
        (5432.1, "CNY", "¥ 5,432"),
        (1.5, "hours", "1.50 h"),
        (40, "count", "40"),
        (0.008, "per year", "0.800 % /yr"),
        (1e-7, None, "0.000000100"),
        (123_456.7, None, "123,457"),
        (None, "CNY", "—"),
        (float("nan"), "share", "—"),
    ],
)
def test_values_are_stated_in_their_unit_without_e_notation(value, unit, shown):
    assert format_value(value, unit) == shown


def test_change_is_pp_for_shares_and_relative_otherwise():
    assert format_change(0.3, 0.2, "share") == "+10.0 pp"
    assert format_change(6.0, 8.0, "%") == "-2.00 pp"
    assert format_change(3.0, 2.0, "CNY") == "+50.0 %"
    assert format_change(2, 0, "count") == "new" and format_change(0, 0, "count") == "—"
    assert sig(9.9996) == "10.0" and sig(-0.012345) == "-0.0123"


def test_a_path_default_is_relative_to_the_working_directory():
    args = build_parser().parse_args(["run", "scenarios/baseline.yaml"])
    assert args.out == Path("runs")
