"""The real scoring adapter: a calibrated scikit-learn pipeline, persisted with its schema.

``Pipeline(ColumnTransformer -> CalibratedClassifierCV(estimator))``: numeric columns are
median-imputed and standardised, categorical columns one-hot encoded (unknown levels ignored).
Saved as ``model.joblib`` plus a ``model.json`` sidecar holding the feature schema, estimator,
library versions and the SHA-256 of the joblib file, which :meth:`SklearnScorer.load` verifies.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import ThreadpoolController

from products.credit.port import require_columns
from sim.kernel.errors import DataError, ModelError, OutputError

log = logging.getLogger(__name__)

ESTIMATORS: tuple[str, ...] = ("random_forest", "hist_gradient_boosting", "logistic_regression")
CALIBRATION_METHODS: tuple[str, ...] = ("sigmoid", "isotonic")
MODEL_FILE = "model.joblib"
SIDECAR_FILE = "model.json"


def make_estimator(name: str, seed: int) -> Any:
    """Return an unfitted classifier by name (single-threaded so runs are reproducible)."""
    if name == "random_forest":
        return RandomForestClassifier(
            n_estimators=100, min_samples_leaf=10, random_state=seed, n_jobs=1
        )
    if name == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.05, max_leaf_nodes=15, random_state=seed
        )
    if name == "logistic_regression":
        return LogisticRegression(max_iter=1000, C=1.0)
    raise ModelError(f"estimator: {name!r} must be one of {', '.join(ESTIMATORS)}")


def build_pipeline(
    numeric: list[str],
    categorical: list[str],
    estimator: str,
    seed: int,
    calibration: str = "sigmoid",
    folds: int = 3,
) -> Pipeline:
    """Assemble the unfitted preprocessing + calibrated-estimator pipeline.

    Calibration uses out-of-fold predictions and one final estimator fitted on all rows
    (``ensemble=False``): same calibration idea, a third of the prediction cost.
    """
    if calibration not in CALIBRATION_METHODS:
        raise ModelError(f"calibration: {calibration!r} must be one of {CALIBRATION_METHODS}")
    numeric_steps = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical_steps = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    # A branch without columns is never fitted (no ``categories_``): keep only those with columns.
    branches = [
        ("numeric", numeric_steps, numeric),
        ("categorical", categorical_steps, categorical),
    ]
    features = ColumnTransformer([branch for branch in branches if branch[2]])
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    calibrated = CalibratedClassifierCV(
        make_estimator(estimator, seed), method=calibration, cv=cv, ensemble=False
    )
    return Pipeline([("features", features), ("model", calibrated)])


def _as_model_frame(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> pd.DataFrame:
    out = frame.loc[:, numeric + categorical].copy()
    for col in categorical:
        out[col] = out[col].astype(str)
    for col in numeric:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


@functools.cache
def _thread_pools() -> ThreadpoolController:
    return ThreadpoolController()  # inspecting loaded native libraries costs ~6 ms: do it once


def single_threaded() -> Any:
    """Native thread pools (OpenMP, BLAS) limited to one thread.

    On a shared 2-core machine HistGradientBoosting's OpenMP threads otherwise spin against
    the simulation and other runs (measured: a 4 s fit took 44 s); one thread also keeps
    results independent of the machine's core count.
    """
    return _thread_pools().limit(limits=1)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _temporary(path: Path) -> Path:
    """A hidden, process-unique name beside ``path`` (same folder, so a rename is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@dataclass(frozen=True)
class SavedModel:
    """Where a model was written and the hash that identifies it."""

    model_path: Path
    sidecar_path: Path
    sha256: str


class SklearnScorer:
    """A fitted, calibrated sklearn pipeline behind the scoring port.

    Args:
        pipeline: fitted pipeline whose ``predict_proba`` gives [P(no default), P(default)].
        numeric: numeric feature columns, in training order.
        categorical: categorical feature columns, in training order.
        metadata: free-form facts kept in the sidecar (estimator, training metrics, ...).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        numeric: list[str],
        categorical: list[str],
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.pipeline_ = pipeline
        self.numeric = list(numeric)
        self.categorical = list(categorical)
        self.metadata = dict(metadata or {})

    @classmethod
    def fit(
        cls,
        frame: pd.DataFrame,
        labels: np.ndarray,
        numeric: list[str],
        categorical: list[str],
        estimator: str = "random_forest",
        seed: int = 0,
        calibration: str = "sigmoid",
    ) -> SklearnScorer:
        """Fit a new pipeline on ``frame`` (features) and 0/1 ``labels``.

        Raises:
            DataError: missing columns, or fewer positives/negatives than calibration folds.
        """
        require_columns(frame, tuple(numeric + categorical), "SklearnScorer.fit")
        y = np.asarray(labels).astype(int)
        minority = int(min(y.sum(), y.size - y.sum()))
        folds = 3
        if minority < folds:
            raise DataError(
                f"training labels: {minority} examples in the smaller class, need >= {folds}"
            )
        pipeline = build_pipeline(numeric, categorical, estimator, seed, calibration, folds)
        with single_threaded():
            pipeline.fit(_as_model_frame(frame, numeric, categorical), y)
        log.info("fitted %s on %d rows (%d defaults)", estimator, y.size, int(y.sum()))
        meta = {"estimator": estimator, "calibration": calibration, "seed": seed}
        return cls(pipeline, numeric, categorical, meta)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.numeric + self.categorical)

    def score(self, features: pd.DataFrame) -> np.ndarray:
        require_columns(features, self.feature_names, "SklearnScorer")
        if len(features) == 0:
            return np.zeros(0)
        frame = _as_model_frame(features, self.numeric, self.categorical)
        with single_threaded():
            return np.asarray(self.pipeline_.predict_proba(frame)[:, 1], dtype=float)

    def schema(self) -> dict[str, Any]:
        """Feature schema as stored in the sidecar."""
        levels: list[Any] = []
        if self.categorical:
            encoder = self.pipeline_.named_steps["features"].named_transformers_["categorical"]
            levels = list(encoder[-1].categories_)
        return {
            "numeric": self.numeric,
            "categorical": {
                c: [str(v) for v in lv] for c, lv in zip(self.categorical, levels, strict=True)
            },
        }

    def save(self, out_dir: Path) -> SavedModel:
        """Write ``model.joblib`` and the ``model.json`` sidecar together; return paths and hash.

        Both are written to temporary names in ``out_dir`` and then renamed, so a failure leaves
        no new file: a failed write keeps a previous pair as it was, and a failure between the
        two renames removes both files rather than leave a model beside another model's schema.

        Raises:
            OutputError: the folder or a file could not be written (disk full, no permission).
        """
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"model: cannot create folder {out_dir}: {exc}") from exc
        model_path, sidecar_path = out_dir / MODEL_FILE, out_dir / SIDECAR_FILE
        model_tmp, sidecar_tmp = _temporary(model_path), _temporary(sidecar_path)
        replaced: list[Path] = []
        try:
            joblib.dump(self.pipeline_, model_tmp)
            digest = file_sha256(model_tmp)
            sidecar_tmp.write_text(self._sidecar_text(digest))
            for tmp, final in ((model_tmp, model_path), (sidecar_tmp, sidecar_path)):
                os.replace(tmp, final)
                replaced = [model_path, sidecar_path]
        except BaseException as exc:
            for path in (model_tmp, sidecar_tmp, *replaced):
                path.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                kept = "removed both" if replaced else "nothing new written"
                raise OutputError(f"model: {out_dir} not written ({kept}): {exc}") from exc
            raise
        return SavedModel(model_path, sidecar_path, digest)

    def _sidecar_text(self, digest: str) -> str:
        sidecar = {
            "sha256": digest,
            "schema": self.schema(),
            "metadata": self.metadata,
            "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        }
        return json.dumps(sidecar, indent=2, sort_keys=True, default=float)

    @classmethod
    def load(cls, model_dir: Path) -> SklearnScorer:
        """Load a saved model, verifying the joblib file against the sidecar hash.

        Raises:
            DataError: files missing, or the model file does not match its recorded hash.
        """
        model_path, sidecar_path = model_dir / MODEL_FILE, model_dir / SIDECAR_FILE
        for path in (model_path, sidecar_path):
            if not path.is_file():
                raise DataError(f"model: {path} does not exist")
        sidecar = json.loads(sidecar_path.read_text())
        if file_sha256(model_path) != sidecar["sha256"]:
            raise DataError(f"model: {model_path} does not match the sha256 in {sidecar_path}")
        schema = sidecar["schema"]
        return cls(
            joblib.load(model_path),
            schema["numeric"],
            list(schema["categorical"]),
            sidecar["metadata"],
        )
