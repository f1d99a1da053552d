"""Train the scoring pipeline on a bank's own CSV (behind ``yinqi score train``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from products.credit.metrics import score_report
from products.credit.model import ESTIMATORS, SklearnScorer, build_pipeline, single_threaded
from sim.kernel.errors import DataError

log = logging.getLogger(__name__)

CV_FOLDS = 5


def _read(data: Path) -> pd.DataFrame:
    if not data.is_file():
        raise DataError(f"--data: {data} does not exist or is not a file")
    try:
        frame = pd.read_csv(data)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"--data: {data} is not a readable CSV ({exc})") from exc
    if frame.empty:
        raise DataError(f"--data: {data} has no rows")
    return frame


def _binary_target(frame: pd.DataFrame, target: str) -> np.ndarray:
    if target not in frame.columns:
        raise DataError(
            f"--target: column {target!r} not in CSV (columns: {', '.join(frame.columns)})"
        )
    column = frame[target]
    if column.isna().any():
        raise DataError(f"--target: column {target!r} has {int(column.isna().sum())} empty values")
    values = set(pd.unique(column).tolist())
    if not values <= {0, 1} or len(values) != 2:
        shown = sorted(map(str, values))[:5]
        raise DataError(
            f"--target: column {target!r} must be binary 0/1 with both classes, found {shown}"
        )
    return column.astype(int).to_numpy()


def _split_features(
    frame: pd.DataFrame, target: str, features: list[str] | None
) -> tuple[list[str], list[str]]:
    chosen = [c for c in frame.columns if c != target] if features is None else list(features)
    missing = [c for c in chosen if c not in frame.columns]
    if missing:
        raise DataError(f"--features: columns not in CSV: {', '.join(missing)}")
    if target in chosen:
        raise DataError(f"--features: the target {target!r} cannot also be a feature")
    if not chosen:
        raise DataError("--features: no feature columns left")
    numeric = [
        c for c in chosen if pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool
    ]
    categorical = [c for c in chosen if c not in numeric]
    return numeric, categorical


def train_from_csv(
    data: Path,
    target: str,
    features: list[str] | None,
    out: Path,
    estimator: str,
    seed: int,
) -> dict[str, Any]:
    """Cross-validate, then fit and save a calibrated scoring pipeline from a CSV.

    Args:
        data: CSV file, one row per borrower.
        target: 0/1 default column.
        features: feature columns; None = every column except the target. Non-numeric
            (and boolean) columns are one-hot encoded as categorical.
        out: directory for ``model.joblib`` + ``model.json``.
        estimator: one of :data:`products.credit.model.ESTIMATORS`.
        seed: random_state for folds and estimator.

    Returns:
        ``auc``, ``ks``, ``brier`` (5-fold out-of-fold), ``base_rate``, ``n``, ``numeric``,
        ``categorical``, ``estimator``, ``model_path``, ``sha256``.

    Raises:
        DataError: missing/unreadable file, missing columns, non-binary target, too few
            examples of a class for cross-validation, unknown estimator, ``out`` not a folder.
        OutputError: the model could not be written (nothing new is left in ``out``).
    """
    if estimator not in ESTIMATORS:
        raise DataError(f"--estimator: {estimator!r} must be one of {', '.join(ESTIMATORS)}")
    if out.exists() and not out.is_dir():
        raise DataError(f"--out: {out} exists and is not a folder")
    frame = _read(data)
    y = _binary_target(frame, target)
    numeric, categorical = _split_features(frame, target, features)
    minority = int(min(y.sum(), y.size - y.sum()))
    if minority < 2 * CV_FOLDS:
        raise DataError(f"--target: {minority} rows in the smaller class, need >= {2 * CV_FOLDS}")
    x = frame.loc[:, numeric + categorical].copy()
    for col in categorical:
        x[col] = x[col].astype(str)
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    pipeline = build_pipeline(numeric, categorical, estimator, seed)
    with single_threaded():
        oof = cross_val_predict(pipeline, x, y, cv=folds, method="predict_proba")[:, 1]
    report = score_report(y, oof)
    log.info("cross-validated %s: AUC %.3f KS %.3f", estimator, report["auc"], report["ks"])
    scorer = SklearnScorer.fit(x, y, numeric, categorical, estimator, seed)
    scorer.metadata.update({"cv": report, "source": data.name, "target": target})
    saved = scorer.save(out)
    return {
        **report,
        "numeric": numeric,
        "categorical": categorical,
        "estimator": estimator,
        "model_path": str(saved.model_path),
        "sha256": saved.sha256,
    }
