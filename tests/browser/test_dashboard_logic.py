"""The dashboard's logic without a browser: the form generated from the schema, edits as
``--set`` overrides validated like ``yinqi run --set``, the quick switch, a background run's
progress. (Here beside the browser tests because they belong to the same deliverable.)"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from types import SimpleNamespace

import pytest

from agents.supply_chain.schema import LedgerSection
from sim.config import ScenarioConfig, load_scenario
from sim.dashboard.form import FormField, FormGroup, check, field_errors, overrides_of, schema_tree
from sim.dashboard.jobs import fake_adapter_overrides, start_run
from sim.dashboard.worker import Progress, serial_modes
from sim.kernel.errors import ScenarioError
from sim.rundir import run_status

BASELINE = Path("scenarios/baseline.yaml")


def _by_path(tree: FormGroup) -> dict[str, FormField]:
    return {f.path: f for f in tree.fields()}


def test_form_takes_types_ranges_and_descriptions_from_the_schema() -> None:
    fields = _by_path(schema_tree(present=["supply_chain"]))
    months = fields["months"]
    assert (months.kind, months.bounds) == ("int", ("≥ 1", "≤ 120"))
    assert months.description == ScenarioConfig.model_fields["months"].description
    adapter = fields["supply_chain.ledger.adapter"]
    literal = LedgerSection.model_fields["adapter"].annotation
    assert adapter.kind == "choice" and adapter.choices == typing.get_args(literal)
    assert fields["supply_chain.population.fund_operating_cycle"].kind == "bool"
    assert fields["supply_chain.population.cost_ratio"].bounds == ("> 0", "< 1")
    assert fields["modes"].kind == "yaml"
    assert not any(p.startswith(("merchant_credit", "equipment_leasing")) for p in fields)


def test_nested_sections_are_groups_in_schema_order() -> None:
    tree = schema_tree(present=["supply_chain"])
    case = next(c for c in tree.children if isinstance(c, FormGroup))
    assert case.path == "supply_chain"
    names = [c.name for c in case.children if isinstance(c, FormGroup)]
    assert names[:3] == ["population", "core", "bank"]


def test_edits_become_overrides_validated_like_yinqi_run_set() -> None:
    base = load_scenario(BASELINE)
    tree = schema_tree(present=base.cases())
    data = base.dump(mode="json")
    edits = {"months": "0", "seed": str(base.seed), "name": "123"}
    overrides = overrides_of(tree, data, edits)
    assert overrides == ["months=0", 'name="123"']
    checked = check(BASELINE, overrides)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(BASELINE, overrides=overrides)
    assert checked.config is None and checked.error == str(raised.value)
    assert checked.field_errors["months"].endswith("Input should be greater than or equal to 1")
    fixed = check(BASELINE, ["months=2", 'name="123"'])
    assert fixed.error is None and fixed.config is not None and fixed.config.name == "123"


def test_field_errors_ignore_messages_without_a_key() -> None:
    message = "a.b: 3 — must be > 4; scenario configures no case: add one"
    assert field_errors(message) == {"a.b": "3 — must be > 4"}


def test_quick_switch_sets_every_port_that_is_not_fake_yet() -> None:
    config = load_scenario(BASELINE)
    quick = fake_adapter_overrides(config)
    assert quick == [
        "supply_chain.ledger.adapter=fake",
        "merchant_credit.scoring.adapter=fake",
        "equipment_leasing.telemetry.adapter=fake",
    ]
    faked = load_scenario(BASELINE, overrides=quick)
    assert fake_adapter_overrides(faked) == []


def test_progress_counts_finished_bars_and_the_live_one() -> None:
    progress = Progress(expected=2)
    first = SimpleNamespace(n=30, total=60, desc="supply_chain/innovated")
    assert progress.update([first]) == {
        "progress": 0.25,
        "bar": "supply_chain/innovated",
        "day": 30,
        "days": 60,
    }
    second = SimpleNamespace(n=60, total=60, desc="supply_chain/traditional")
    message = progress.update([second])
    assert message is not None and message["progress"] == 1.0
    assert progress.update([]) is None


def test_a_background_run_reports_its_bars_and_finishes(tmp_path: Path) -> None:
    source = tmp_path / "tiny.yaml"
    source.write_text(
        "name: tiny\nmonths: 12\nseed: 3\nsupply_chain:\n"
        "  population: {tier1_count: 40, tier2_count: 40}\n",
        encoding="utf-8",
    )
    config = load_scenario(source)
    job = start_run(source, fake_adapter_overrides(config), config, tmp_path / "runs")
    assert job.wait(timeout=300) == 0, job.log_tail
    assert job.error is None and job.progress == 1.0
    assert job.bar.startswith("supply_chain/")
    assert job.run_dir == job.path and run_status(job.path).status == "ok"
    manifest = json.loads((job.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["supply_chain"]["mode_processes"] == 1  # every bar is the worker's


def test_a_dashboard_run_keeps_every_mode_in_its_process() -> None:
    config = load_scenario({"name": "t", "supply_chain": {}, "merchant_credit": {}})
    assert serial_modes(config) == [
        "supply_chain.mode_processes=1",
        "merchant_credit.mode_processes=1",
    ]
    serial = load_scenario({"name": "t", "supply_chain": {"mode_processes": 1}})
    assert serial_modes(serial) == []
