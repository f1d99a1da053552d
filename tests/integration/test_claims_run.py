"""yinqi claims end to end on a reduced study: real sweeps (worker processes), both modes, the
case's own claims read back per run, the HTML and CSV report; the shipped file's shape."""

from pathlib import Path

import pandas as pd

from sim import cli
from sim.claims import load_claims_spec

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_shipped_claims_file_covers_every_case_over_ten_seeds():
    spec = load_claims_spec(SCENARIOS / "claims.yaml")
    assert set(spec.cases) == {"supply_chain", "merchant_credit", "equipment_leasing"}
    assert len(spec.seeds) >= 10
    assert all(1 <= len(c.sensitivity) <= 2 for c in spec.cases.values())


def test_reduced_claims_study(tmp_path, capsys):
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        f"seeds: [1, 2]\ncases:\n  equipment_leasing:\n"
        f"    scenario: {SCENARIOS / 'equipment_leasing.yaml'}\n"
        "    overrides: [months=4, equipment_leasing.fleet.devices=10,"
        " equipment_leasing.telemetry.adapter=fake]\n"
        "    sensitivity: {equipment_leasing.lessee.cash_buffer_months: [1.0]}\n"
    )
    out = tmp_path / "out"
    assert cli.main(["claims", str(claims), "--out", str(out), "--workers", "2", "-q"]) == 0
    printed = capsys.readouterr().out
    assert "equipment_leasing: utilisation +25%: mean" in printed
    table = pd.read_csv(out / "claims.csv")
    base = table[table["parameter"] == "(scenario)"]
    assert set(base["claim"]) == {"utilisation +25%", "rental income +18%", "default rate 0.8%"}
    assert (base["n_seeds"] == 2).all()
    sens = table[table["parameter"] == "equipment_leasing.lessee.cash_buffer_months"]
    assert len(sens) == 3 and (sens["value"] == 1.0).all()
    page = (out / "claims.html").read_text()
    assert "Sensitivity" in page and "rental income +18%" in page
