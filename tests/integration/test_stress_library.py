"""The stress library, scenarios/stress/*.yaml: every file valid, documented, doing what it says.

Each file's header lists the shock keys it sets (``#   shock: key``), the KPIs that should move
and which way (``#   expect: case.mode.kpi up|down``) and the overrides of its test size
(``#   tiny: key=value``, fake adapters). Every file is run at that size twice with the same seed,
as written and with its shock keys cleared, and each listed KPI must move the stated way. Cases
run through their real wiring (``sim.cases``), without the HTML report.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sim import load_scenario, run_scenario
from sim.cases import CaseContext, runner_for
from sim.config import ScenarioConfig
from sim.kernel.rng import SeedTree
from sim.recorder import Recorder

STRESS = Path(__file__).resolve().parents[2] / "scenarios" / "stress"
FILES = sorted(STRESS.glob("*.yaml"))
KINDS = {
    "demand_shock",
    "core_distress",
    "rate_rise",
    "property_price_fall",
    "regional_lockdown",
    "platform_traffic_collapse",
    "consent_withdrawal",
    "sensor_outage",
    "downturn_2009",
}
_LINE = re.compile(r"^#\s+(shock|expect|tiny):\s*(.+?)\s*$")


@dataclass(frozen=True)
class Header:
    """What a stress file's header says about it."""

    shocks: tuple[str, ...]
    expects: tuple[tuple[str, str], ...]
    tiny: tuple[str, ...]
    text: str


def header(path: Path) -> Header:
    """Parse the comment block at the top of a stress file."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    found: dict[str, list[str]] = {"shock": [], "expect": [], "tiny": []}
    for line in lines:
        match = _LINE.match(line)
        if match:
            found[match.group(1)].append(match.group(2))
    expects = tuple((kpi, way) for kpi, way in (e.rsplit(" ", 1) for e in found["expect"]))
    return Header(tuple(found["shock"]), expects, tuple(found["tiny"]), "\n".join(lines))


def lookup(config: ScenarioConfig, key: str) -> Any:
    """The value at a dotted key of a validated scenario."""
    value: Any = config
    for part in key.split("."):
        value = getattr(value, part)
    return value


@cache
def case_totals(dumped: str) -> dict[str, Any]:
    """KPI totals of every case of a scenario (given as JSON), through the cases' wiring."""
    config = ScenarioConfig.model_validate(json.loads(dumped))
    run_dir = Path(tempfile.mkdtemp(prefix="stress-"))
    recorder = Recorder(run_dir, config.start_datetime)
    for case in config.cases():
        seeds = SeedTree(config.seed).child(case)
        ctx = CaseContext(config, getattr(config, case), seeds, recorder, run_dir, False)
        runner_for(case)(ctx)
    return dict(recorder.totals)


def tiny_totals(path: Path, *, shocked: bool) -> dict[str, Any]:
    """Totals of ``path`` at its test size, as written or with its shock keys cleared."""
    head = header(path)
    cleared = () if shocked else tuple(f"{key}=[]" for key in head.shocks)
    config = load_scenario(path, overrides=(*head.tiny, *cleared))
    dumped = config.dump(mode="json")
    for label in ("name", "description"):  # files with the same baseline share its run
        dumped.pop(label)
    return case_totals(json.dumps({"name": "stress", **dumped}, sort_keys=True))


def test_the_library_has_every_stress_kind() -> None:
    assert {path.stem for path in FILES} == KINDS


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_is_valid_and_documents_what_it_stresses(path: Path) -> None:
    config, head = load_scenario(path), header(path)
    assert "What it stresses:" in head.text and "Size:" in head.text
    assert head.shocks and head.expects and head.tiny
    for key in head.shocks:
        assert lookup(config, key), f"{path.name}: shock key {key} is not set"
    for kpi, way in head.expects:
        assert way in ("up", "down"), f"{path.name}: {kpi}: {way!r} must be up or down"
        assert kpi.split(".")[0] in config.cases(), f"{path.name}: {kpi}: case not configured"
    tiny = load_scenario(path, overrides=head.tiny)
    assert tiny.months <= config.months and not config.warnings()


#: The two stress files whose test-size runs take 10 s or more: in CI's slow run (``.ci/run``).
SLOW_STRESS = {"demand_shock", "downturn_2009"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.stem in SLOW_STRESS else [])
        for p in FILES
    ],
)
def test_the_documented_kpis_move_the_stated_way(path: Path) -> None:
    shocked = tiny_totals(path, shocked=True)
    calm = tiny_totals(path, shocked=False)
    wrong = []
    for kpi, way in header(path).expects:
        before, after = calm[kpi], shocked[kpi]
        moved = after > before if way == "up" else after < before
        if not moved:
            wrong.append(f"{kpi}: {before} -> {after}, expected {way}")
    assert not wrong, f"{path.name}: " + "; ".join(wrong)


@pytest.mark.mqtt
def test_the_sensor_outage_gives_the_same_kpis_over_the_broker_and_the_fake(
    tmp_path: Path,
) -> None:
    path = STRESS / "sensor_outage.yaml"
    small = ["months=4", "modes=[innovated]", "equipment_leasing.fleet.devices=24"]
    real = run_scenario(path, overrides=small, out=tmp_path / "mqtt", progress=False)
    fake_set = [*small, "equipment_leasing.telemetry.adapter=fake"]
    fake = run_scenario(path, overrides=fake_set, out=tmp_path / "fake", progress=False)
    assert real.status == fake.status == "ok"
    assert real.manifest["provenance"]["equipment_leasing.innovated.telemetry"]["adapter"] == "mqtt"
    assert real.kpis == fake.kpis
    calm = run_scenario(
        path,
        overrides=[*fake_set, "equipment_leasing.shocks.sensor_outage=[]"],
        out=tmp_path / "calm",
        progress=False,
    )
    handled = "equipment_leasing.innovated.messages_handled"
    assert real.kpis[handled] < calm.kpis[handled]
