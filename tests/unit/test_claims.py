"""Claims summary: Wilson interval, verdicts, per-claim means with seed-bootstrap intervals."""

import numpy as np
import pandas as pd
import pytest

from sim.claims import load_claims_spec, summarise, verdict, wilson
from sim.kernel.errors import ScenarioError


def test_wilson_interval_and_verdicts():
    low, high = wilson(10, 10)
    assert 0.69 < low < 0.73 and high == pytest.approx(1.0)
    assert verdict(10, 10) == "holds" and verdict(9, 10) == "holds"
    assert verdict(7, 10) == "undecided" and verdict(5, 10) == "undecided"
    assert verdict(1, 10) == "does not hold" and verdict(0, 10) == "does not hold"
    assert verdict(0, 0) == "not evaluated"


def test_summary_per_claim_and_point():
    rng = np.random.default_rng(2)
    rows = []
    for value, shift in (("", 0.0), ("0.5", 1.0)):
        for seed in range(10):
            measured = 0.3 + shift + rng.normal(0, 0.05)
            rows.append(
                {
                    "case": "equipment_leasing",
                    "claim": "utilisation +25%",
                    "target": ">= +25%",
                    "unit": "",
                    "parameter": "(scenario)" if not value else "x",
                    "value": value,
                    "seed": seed,
                    "measured": measured,
                    "holds": measured >= 0.1,
                }
            )
    summary = summarise(pd.DataFrame(rows)).set_index("parameter")
    base = summary.loc["(scenario)"]
    assert base.ci_low < 0.3 < base.ci_high and base.n_seeds == 10
    assert base.holds_seeds == "10/10" and base.verdict == "holds"
    assert summary.loc["x", "mean"] == pytest.approx(1.3, abs=0.05)


def test_bad_claims_files(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("seeds: [1, 2]\ncases: {nope: {scenario: s.yaml}}\n")
    with pytest.raises(ScenarioError, match="'nope' is not a case"):
        load_claims_spec(bad)
    bad.write_text(
        "seeds: [1, 2]\ncases:\n  supply_chain:\n    scenario: s.yaml\n"
        "    sensitivity: {a: [1, 2, 3, 4]}\n"
    )
    with pytest.raises(ScenarioError, match="1-2 parameters with 1-3 values each"):
        load_claims_spec(bad)
