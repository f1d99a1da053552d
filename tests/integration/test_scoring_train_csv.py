"""``train_from_csv`` (behind ``yinqi score train``) on CSVs the test writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from products.credit.model import SIDECAR_FILE, SklearnScorer
from products.credit.train_csv import train_from_csv
from sim.kernel.errors import DataError

pytestmark = pytest.mark.model


def _bank_csv(path: Path, rows: int = 1500, seed: int = 0) -> Path:
    """A bank-style table: numeric drivers, a categorical segment and a 0/1 default flag."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["retail", "wholesale", "services"], rows)
    turnover = rng.lognormal(10, 1, rows)
    rating = rng.normal(4.5, 0.3, rows)
    risk = -3 + 1.5 * (segment == "services") - 2.0 * (rating - 4.5) - 0.3 * (np.log(turnover) - 10)
    default = (rng.random(rows) < 1 / (1 + np.exp(-risk))).astype(int)
    pd.DataFrame(
        {
            "turnover_cny": turnover,
            "avg_rating": rating,
            "segment": segment,
            "noise": rng.normal(size=rows),
            "default_flag": default,
        }
    ).to_csv(path, index=False)
    return path


def test_trains_cross_validates_and_saves(tmp_path: Path) -> None:
    data = _bank_csv(tmp_path / "bank.csv")
    result = train_from_csv(data, "default_flag", None, tmp_path / "model", "random_forest", 7)
    assert result["categorical"] == ["segment"]
    assert result["numeric"] == ["turnover_cny", "avg_rating", "noise"]
    assert result["auc"] > 0.65 and 0 < result["ks"] < 1 and 0 < result["brier"] < 0.25
    sidecar = json.loads((tmp_path / "model" / SIDECAR_FILE).read_text())
    assert sidecar["sha256"] == result["sha256"]
    assert sidecar["metadata"]["cv"]["auc"] == pytest.approx(result["auc"])
    model = SklearnScorer.load(tmp_path / "model")
    frame = pd.read_csv(data)
    assert model.score(frame).shape == (len(frame),)


def test_feature_subset_and_estimator_choice(tmp_path: Path) -> None:
    data = _bank_csv(tmp_path / "bank.csv")
    result = train_from_csv(
        data, "default_flag", ["avg_rating", "segment"], tmp_path / "m", "logistic_regression", 1
    )
    assert result["numeric"] == ["avg_rating"] and result["categorical"] == ["segment"]
    assert result["estimator"] == "logistic_regression" and result["auc"] > 0.6


def test_same_seed_same_metrics(tmp_path: Path) -> None:
    data = _bank_csv(tmp_path / "bank.csv", rows=600)
    a = train_from_csv(data, "default_flag", None, tmp_path / "a", "hist_gradient_boosting", 3)
    b = train_from_csv(data, "default_flag", None, tmp_path / "b", "hist_gradient_boosting", 3)
    assert (a["auc"], a["ks"], a["brier"]) == (b["auc"], b["ks"], b["brier"])


def _write(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("frame", "target", "features", "message"),
    [
        (
            pd.DataFrame({"x": range(40), "y": [0, 1] * 20}),
            "default",
            None,
            "--target: column 'default' not in CSV",
        ),
        (pd.DataFrame({"x": range(40), "y": [0, 1, 2, 3] * 10}), "y", None, "must be binary 0/1"),
        (pd.DataFrame({"x": range(40), "y": ["no", "yes"] * 20}), "y", None, "must be binary 0/1"),
        (
            pd.DataFrame({"x": range(40), "y": [0] * 40}),
            "y",
            None,
            "must be binary 0/1 with both classes",
        ),
        (
            pd.DataFrame({"x": range(40), "y": [0, 1] * 20}),
            "y",
            ["x", "z"],
            "--features: columns not in CSV: z",
        ),
        (pd.DataFrame({"x": range(40), "y": [0, None] * 20}), "y", None, "20 empty values"),
        (
            pd.DataFrame({"x": range(40), "y": [0] * 37 + [1] * 3}),
            "y",
            None,
            "3 rows in the smaller class",
        ),
        (pd.DataFrame({"x": range(40), "y": [0, 1] * 20}), "y", ["y"], "cannot also be a feature"),
    ],
)
def test_bad_csv_is_a_clear_data_error(tmp_path: Path, frame, target, features, message) -> None:
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        train_from_csv(
            _write(tmp_path, frame), target, features, tmp_path / "out", "random_forest", 0
        )


def test_missing_file_empty_file_and_unknown_estimator(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        train_from_csv(tmp_path / "none.csv", "y", None, tmp_path / "o", "random_forest", 0)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="not a readable CSV"):
        train_from_csv(empty, "y", None, tmp_path / "o", "random_forest", 0)
    with pytest.raises(DataError, match="--estimator: 'svm'"):
        train_from_csv(empty, "y", None, tmp_path / "o", "svm", 0)
