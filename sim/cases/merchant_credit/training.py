"""Burn-in history for the scoring model: a past cohort of merchants the twin simulates.

A cohort (its own seed streams) lives ``history_days`` before a snapshot and
``label_window_days`` after it, all before the scenario start and without shocks or credit.
Features are the observable platform data at the snapshot (consenting merchants only, as a
bank would have them); the label is whether the merchant failed within the window. Latent
health and cash never enter the features.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from agents.merchant_credit.features import platform_features
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.fake import LinearScorer
from products.credit.metrics import CalibrationTable, calibration_table, score_report
from products.credit.model import SklearnScorer
from products.credit.port import PLATFORM_CATEGORICAL, PLATFORM_NUMERIC, ScoringPort
from sim.kernel.rng import SeedTree

log = logging.getLogger(__name__)


def training_history(
    cfg: MerchantCreditConfig, start: dt.date, seeds: SeedTree, names: tuple[list[str], list[str]]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Simulate the past cohort; return (features at the snapshot, failed-in-window labels)."""
    scoring = cfg.scoring
    n, history, window = scoring.training_merchants, scoring.history_days, scoring.label_window_days
    first_day = -(history + window)
    traits = generate_traits(
        cfg, n, seeds.generator("training", "traits"), seeds.generator("training", "property")
    )
    pop = MerchantPopulation(cfg, traits, seeds.generator("training", "dynamics"), history)
    drivers = build_drivers(cfg, start, first_day, history + window, shocks_on=False)
    no_credit = np.zeros(n, dtype=bool)
    for day in range(first_day, first_day + history):
        pop.step(day, drivers, no_credit)
    snapshot_day = first_day + history
    idx = np.flatnonzero(pop.alive & traits.consent)
    features = platform_features(pop, idx, snapshot_day, *names)
    for day in range(snapshot_day, first_day + history + window):
        pop.step(day, drivers, no_credit)
    labels = (~pop.alive[idx]).astype(int)
    log.info("training cohort: %d merchants, %d failed in window", idx.size, int(labels.sum()))
    return features, labels


@dataclass(frozen=True)
class TrainedScorer:
    """The scorer plus what the report shows about it."""

    scorer: ScoringPort
    holdout: dict[str, float]
    calibration: CalibrationTable
    holdout_scores: np.ndarray
    sha256: str | None


def holdout_split(
    labels: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Fit and hold-out row indices with the cohort's default share in both (stratified).

    An unstratified split of a cohort with ~6% defaults can leave the two parts 2-3 points apart,
    so the held-out report would grade the split's luck as much as the model.
    """
    fit, held = [], []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        rows = rows[rng.permutation(rows.size)]
        cut = round(rows.size * (1 - share))
        fit.append(rows[:cut])
        held.append(rows[cut:])
    return np.sort(np.concatenate(fit)), np.sort(np.concatenate(held))


def train_scorer(
    cfg: MerchantCreditConfig,
    features: pd.DataFrame,
    labels: np.ndarray,
    seeds: SeedTree,
    out_dir: Path,
) -> TrainedScorer:
    """Fit on the cohort less ``scoring.holdout_share``, grade on the held-out rest, persist with
    schema and hash."""
    fit_idx, test_idx = holdout_split(
        labels, cfg.scoring.holdout_share, seeds.generator("training", "split")
    )
    if cfg.scoring.adapter == "fake":
        scorer: ScoringPort = LinearScorer()
    else:
        scorer = SklearnScorer.fit(
            features.iloc[fit_idx],
            labels[fit_idx],
            list(PLATFORM_NUMERIC),
            list(PLATFORM_CATEGORICAL),
            cfg.scoring.estimator,
            seeds.int_seed("training", "estimator"),
            cfg.scoring.calibration,
        )
    test_scores = scorer.score(features.iloc[test_idx])
    report = score_report(labels[test_idx], test_scores)
    log.info("held-out AUC %.3f KS %.3f Brier %.4f", report["auc"], report["ks"], report["brier"])
    digest = None
    if isinstance(scorer, SklearnScorer):
        scorer.metadata.update(holdout=report, training_rows=int(fit_idx.size))
        digest = scorer.save(out_dir).sha256
    return TrainedScorer(
        scorer, report, calibration_table(labels[test_idx], test_scores), test_scores, digest
    )
