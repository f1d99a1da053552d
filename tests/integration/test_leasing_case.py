"""Case 3 end to end through the runner, with the real embedded broker (and mosquitto)."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest
from mqtt_fixtures import mosquitto

from agents.equipment_leasing.model import EquipmentLeasingModel
from sim import load_results, load_scenario, run_scenario
from sim.kernel.errors import BrokerError

pytestmark = pytest.mark.mqtt


def scenario(modes: list[str], **telemetry: object) -> dict[str, object]:
    return {
        "name": "leasing-it",
        "months": 3,
        "seed": 7,
        "modes": modes,
        "equipment_leasing": {"fleet": {"devices": 24}, "telemetry": telemetry},
    }


def alerts(run_dir) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    events = pd.read_parquet(run_dir / "events.parquet")
    return events[events["kind"] == "alert"].reset_index(drop=True)


def test_same_seed_same_alerts_and_kpis_with_the_real_broker(tmp_path) -> None:
    first = run_scenario(scenario(["innovated"]), out=tmp_path / "a", progress=False)
    second = run_scenario(scenario(["innovated"]), out=tmp_path / "b", progress=False)
    assert first.status == second.status == "ok"
    assert first.kpis == second.kpis
    a, b = alerts(first.run_dir), alerts(second.run_dir)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)
    days = (pd.Timestamp("2025-04-01") - pd.Timestamp("2025-01-01")).days
    assert first.kpis["equipment_leasing.innovated.messages_handled"] == 24 * days


def test_transport_does_not_change_results(tmp_path) -> None:
    real = run_scenario(scenario(["innovated"]), out=tmp_path / "mqtt", progress=False)
    fake = run_scenario(
        scenario(["innovated"], adapter="fake"), out=tmp_path / "fake", progress=False
    )
    assert real.kpis == fake.kpis
    pd.testing.assert_frame_equal(alerts(real.run_dir), alerts(fake.run_dir))
    provenance = real.manifest["provenance"]["equipment_leasing.innovated.telemetry"]
    assert provenance["adapter"] == "mqtt"


def test_external_mosquitto_gives_the_same_results(tmp_path) -> None:
    fake = run_scenario(
        scenario(["innovated"], adapter="fake"), out=tmp_path / "fake", progress=False
    )
    with mosquitto() as url:
        external = run_scenario(
            scenario(["innovated"], broker_url=url), out=tmp_path / "m", progress=False
        )
    assert external.status == "ok"
    assert external.kpis == fake.kpis


def test_broker_death_fails_the_run_and_keeps_finished_months(tmp_path, monkeypatch) -> None:
    run_day = EquipmentLeasingModel.run_day

    def step_then_kill(self: EquipmentLeasingModel, day: int) -> None:
        if day == 45 and self.port is not None and getattr(self.port, "broker", None):
            os.kill(self.port.broker.pid, signal.SIGKILL)  # type: ignore[attr-defined]
        run_day(self, day)

    monkeypatch.setattr(EquipmentLeasingModel, "run_day", step_then_kill)
    with pytest.raises(BrokerError):
        run_scenario(scenario(["innovated", "traditional"]), out=tmp_path, progress=False)
    (run_dir,) = tmp_path.iterdir()
    result = load_results(run_dir)
    assert result.status == "failed"
    assert "broker" in result.manifest["error"].lower()
    series = pd.read_parquet(result.run_dir / "kpis.parquet")
    done = series[(series["case"] == "equipment_leasing") & (series["kpi"] == "utilisation")]
    assert done["period"].tolist() == [0]
    assert (result.run_dir / "report.html").exists()


def test_scenario_files_validate() -> None:
    full = load_scenario("scenarios/equipment_leasing.yaml")
    assert full.equipment_leasing is not None and full.equipment_leasing.fleet.devices >= 300
    assert full.months >= 12
    base = load_scenario("scenarios/baseline.yaml")
    assert base.equipment_leasing is not None


@pytest.mark.slow
def test_full_scenario_with_the_real_broker(tmp_path) -> None:
    result = run_scenario("scenarios/equipment_leasing.yaml", out=tmp_path, progress=False)
    assert result.status == "ok"
    kpis = result.kpis
    assert kpis["equipment_leasing.innovated.messages_handled"] == 300 * 365
    assert kpis["equipment_leasing.innovated.messages_rejected"] == 0
    assert {c["claim"] for c in result.claims} >= {"utilisation +25%", "rental income +18%"}
