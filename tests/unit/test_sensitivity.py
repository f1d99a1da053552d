"""Sensitivity studies on synthetic models with known indices (the scenario-free evaluator path)."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.kernel.errors import RunError, ScenarioError
from sim.sensitivity import SensitivitySpec, load_study, run_study, write_study

PI = math.pi
A, B = 7.0, 0.1  # Ishigami constants


def ishigami_indices():
    """Analytic first- and total-order indices of the Ishigami function on [-pi, pi]^3."""
    v1 = 0.5 * (1 + B * PI**4 / 5) ** 2
    v2 = A**2 / 8
    vt3 = 8 * B**2 * PI**8 / 225
    total = v1 + v2 + vt3
    return {"x1": (v1 / total, (v1 + vt3) / total), "x2": (v2 / total, v2 / total)} | {
        "x3": (0.0, vt3 / total)
    }


def evaluator(model, noise_sd):
    """``evaluate(points, seeds)``: the model at each point plus seed noise (one row per run)."""

    def evaluate(points, seeds):
        rows = []
        for i, params in enumerate(points):
            for seed in seeds:
                noise = np.random.default_rng([seed, i]).normal(0, noise_sd)
                y = model(params) + noise
                rows.append({"point": i, "seed": seed, "status": "ok", "y": y})
        return pd.DataFrame(rows)

    return evaluate


def ishigami(p):
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    return math.sin(x1) + A * math.sin(x2) ** 2 + B * x3**4 * math.sin(x1)


def spec(**fields):
    base = {"seeds": [1, 2], "kpis": ["y"], "design_seed": 11}
    return SensitivitySpec.model_validate(base | fields)


def test_sobol_recovers_the_ishigami_indices_within_their_ci(tmp_path):
    ranges = {name: {"low": -PI, "high": PI} for name in ("x1", "x2", "x3")}
    study_spec = spec(parameters=ranges, samples=1024)
    study = run_study(study_spec, evaluator(ishigami, noise_sd=0.3))
    assert len(study.runs) == 1024 * 5 * 2 == study_spec.runs
    table = study.indices.set_index("parameter")
    for name, (first, total) in ishigami_indices().items():
        row = table.loc[name]
        assert abs(row["S1"] - first) <= row["S1_conf"], (name, row["S1"], first)
        assert abs(row["ST"] - total) <= row["ST_conf"], (name, row["ST"], total)
    assert 0 < table["noise_share"].iloc[0] < 0.01  # 0.3² / 2 of a variance of ≈ 13.8
    paths = write_study(study, tmp_path)
    assert pd.read_csv(paths[0]).shape[0] == 3
    assert pd.read_parquet(paths[1])["S1"].tolist() == table["S1"].tolist()
    assert paths[2].name == "sobol_y.png" and paths[2].stat().st_size > 5_000


def test_morris_ranks_a_linear_model_and_scales_by_the_range(tmp_path):
    slopes = {"a": 4.0, "b": 2.0, "c": 1.0, "d": 0.0}
    ranges = {"a": {"low": 0, "high": 1}, "b": {"low": 10, "high": 12}} | {
        "c": {"low": -1, "high": 0},
        "d": {"low": 0, "high": 5},
    }
    study = run_study(
        spec(parameters=ranges, method="morris", samples=20),
        evaluator(lambda p: sum(slopes[k] * p[k] for k in slopes), noise_sd=0.01),
    )
    table = study.indices.set_index("parameter")
    # effect per unit of the design's unit cube = slope × width of the range
    expected = {"a": 4.0, "b": 4.0, "c": 1.0, "d": 0.0}
    for name, value in expected.items():
        assert table.loc[name, "mu_star"] == pytest.approx(value, abs=0.05)
    assert (table["sigma"] < 0.05).all()  # linear: no interaction, no curvature
    assert write_study(study, tmp_path)[2].name == "morris_y.png"


def test_a_point_without_a_finished_run_is_an_error():
    ranges = {"x": {"low": 0, "high": 1}, "z": {"low": 0, "high": 1}}

    def flaky(points, seeds):
        frame = evaluator(lambda p: p["x"], 0.0)(points, seeds)
        frame.loc[frame["point"] == 3, "status"] = "failed"
        return frame

    with pytest.raises(RunError, match=r"points \[3\] have no finished run"):
        run_study(spec(parameters=ranges, samples=4), flaky)
    with pytest.raises(RunError, match="'nope' is not a KPI"):
        run_study(spec(parameters=ranges, samples=4, kpis=["nope"]), flaky)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("samples: 12\n", "samples: 12 must be a power of 2"),
        ("method: morris\nlevels: 5\n", "levels: 5 must be even"),
        ("method: fast\n", "method"),
        ("kpis: []\n", "kpis"),
        ("parameters: {x: {low: 1, high: 1}}\n", "low: 1.0 must be < high"),
    ],
)
def test_bad_study_files(tmp_path, body, message):
    path = tmp_path / "study.yaml"
    defaults = "seeds: [1]\nkpis: [y]\nparameters: {x: {low: 0, high: 1}}\n"
    keys = {line.split(":")[0] for line in body.splitlines()}
    kept = "".join(line + "\n" for line in defaults.splitlines() if line.split(":")[0] not in keys)
    path.write_text(kept + body)
    with pytest.raises(ScenarioError, match=message):
        load_study(path)
