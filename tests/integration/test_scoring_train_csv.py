"""``train_from_csv`` and ``yinqi score train`` on CSVs the test writes."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from products.credit import model as model_module
from products.credit.model import MODEL_FILE, SIDECAR_FILE, SklearnScorer
from products.credit.train_csv import train_from_csv
from sim.cli import EXIT_BAD_INPUT, EXIT_COMPONENT, main
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


def _kind_csv(path: Path, kind: str, rows: int = 400) -> Path:
    """A CSV whose features are all numeric, all categorical or both (``kind``)."""
    rng = np.random.default_rng(11)
    numeric = {"turnover_cny": rng.lognormal(10, 1, rows), "avg_rating": rng.normal(4.5, 0.3, rows)}
    categorical = {
        "segment": rng.choice(["retail", "wholesale", "services"], rows),
        "has_store": rng.choice([True, False], rows),
    }
    columns = {"numeric": numeric, "categorical": categorical, "mixed": {**numeric, **categorical}}
    frame = pd.DataFrame(columns[kind])
    frame["default_flag"] = (rng.random(rows) < 0.25).astype(int)
    frame.to_csv(path, index=False)
    return path


def _train_cli(data: Path, out: Path) -> int:
    args = ["--data", str(data), "--target", "default_flag", "--out", str(out), "-q"]
    args += ["--estimator", "logistic_regression"]
    return main(["score", "train", *args])


@pytest.mark.parametrize("kind", ["numeric", "categorical", "mixed"])
def test_cli_trains_every_kind_of_csv(tmp_path: Path, kind: str) -> None:
    data = _kind_csv(tmp_path / f"{kind}.csv", kind)
    assert _train_cli(data, tmp_path / "model") == 0
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [MODEL_FILE, SIDECAR_FILE]
    model = SklearnScorer.load(tmp_path / "model")
    schema = json.loads((tmp_path / "model" / SIDECAR_FILE).read_text())["schema"]
    assert bool(schema["numeric"]) == (kind != "categorical")
    assert bool(schema["categorical"]) == (kind != "numeric")
    scores = model.score(pd.read_csv(data))
    assert scores.shape == (400,) and np.all((scores > 0) & (scores < 1))


def _fail_sidecar_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full_disk)


def _fail_second_rename(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real_replace = os.replace

    def replace_once(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(model_module.os, "replace", replace_once)


@pytest.mark.parametrize("break_it", [_fail_sidecar_write, _fail_second_rename])
def test_model_and_schema_are_written_together_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], break_it
) -> None:
    data = _kind_csv(tmp_path / "mixed.csv", "mixed")
    break_it(monkeypatch)
    assert _train_cli(data, tmp_path / "model") == EXIT_COMPONENT
    assert "yinqi score: model: " in capsys.readouterr().err
    assert list((tmp_path / "model").iterdir()) == []


def test_failed_save_keeps_the_previous_model(tmp_path: Path, monkeypatch) -> None:
    data = _kind_csv(tmp_path / "mixed.csv", "mixed")
    assert _train_cli(data, tmp_path / "model") == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "model").iterdir()}
    _fail_sidecar_write(monkeypatch)
    assert _train_cli(data, tmp_path / "model") == EXIT_COMPONENT
    assert {p.name: p.read_bytes() for p in (tmp_path / "model").iterdir()} == before


def test_out_that_is_a_file_is_bad_input_before_training(tmp_path: Path, capsys) -> None:
    data = _kind_csv(tmp_path / "mixed.csv", "mixed")
    (tmp_path / "taken").write_text("not a folder")
    assert _train_cli(data, tmp_path / "taken") == EXIT_BAD_INPUT
    assert f"--out: {tmp_path / 'taken'} exists and is not a folder" in capsys.readouterr().err
