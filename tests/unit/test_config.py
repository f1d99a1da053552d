"""Scenario schema: frozen, unknown keys rejected, errors name key path, value and rule."""

import textwrap

import pytest
from pydantic import ValidationError

from sim.config import apply_overrides, load_scenario
from sim.kernel.errors import ScenarioError

MINIMAL = {"name": "t", "merchant_credit": {}}


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_minimal_scenario_gets_defaults():
    config = load_scenario(MINIMAL)
    assert config.months == 12 and config.modes == ("innovated", "traditional")
    assert config.cases() == ["merchant_credit"]
    assert config.horizon_days == 365
    assert config.horizon_hours == 365 * 24


def test_horizon_follows_calendar_months():
    assert load_scenario({**MINIMAL, "start": "2024-01-31", "months": 1}).horizon_days == 28
    assert load_scenario({**MINIMAL, "start": "2024-01-01", "months": 24}).horizon_days == 731


def test_config_is_frozen():
    config = load_scenario(MINIMAL)
    with pytest.raises(ValidationError):
        config.months = 3


def test_unknown_key_names_path_and_allowed_keys():
    with pytest.raises(ScenarioError) as err:
        load_scenario({**MINIMAL, "merchant_credit": {"population": {"colour": 1}}})
    message = str(err.value)
    assert "merchant_credit.population.colour: unknown key" in message
    assert "monthly_sales_median_cny" in message


def test_unknown_key_inside_a_named_entry_lists_the_entry_keys() -> None:
    """A typo inside a mapping of named entries (tariffs by name) names the entry's keys; it
    used to end in a KeyError on the entry's name."""
    data = {"name": "t", "equipment_leasing": {"tariffs": {"fixed": {"kind": "fixed", "typo": 1}}}}
    with pytest.raises(ScenarioError) as err:
        load_scenario(data)
    message = str(err.value)
    assert "equipment_leasing.tariffs.fixed.typo: unknown key (allowed: " in message
    assert "base_share" in message


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("merchant_credit.merchants=-5", "merchant_credit.merchants: -5"),
        ("merchant_credit.merchants=lots", "merchant_credit.merchants: 'lots'"),
        ("months=0", "months: 0 — Input should be greater than or equal to 1"),
        ("modes=[innovated, innovated]", "must not repeat a mode"),
    ],
)
def test_bad_values_name_key_value_and_rule(override, expected):
    with pytest.raises(ScenarioError, match=expected):
        load_scenario(MINIMAL, overrides=[override])


def test_scenario_needs_a_case():
    with pytest.raises(ScenarioError, match="configures no case"):
        load_scenario({"name": "t"})


def test_overrides_are_typed_through_the_schema():
    config = load_scenario(
        MINIMAL, overrides=["merchant_credit.merchants=3000", "start=2024-03-01"]
    )
    assert config.merchant_credit.merchants == 3000
    assert str(config.start) == "2024-03-01"


def test_override_syntax_errors():
    with pytest.raises(ScenarioError, match=r"expected KEY\.PATH=VALUE"):
        apply_overrides(MINIMAL, ["merchant_credit"])
    with pytest.raises(ScenarioError, match="name is a value, not a section"):
        apply_overrides(MINIMAL, ["name.x=1"])
    with pytest.raises(ScenarioError, match="not an index"):
        apply_overrides({"modes": ["innovated"]}, ["modes.3=traditional"])


def test_override_does_not_mutate_input():
    data = {"name": "t", "merchant_credit": {"merchants": 100}}
    apply_overrides(data, ["merchant_credit.merchants=200"])
    assert data["merchant_credit"]["merchants"] == 100


def test_seed_argument_replaces_scenario_seed():
    assert load_scenario({**MINIMAL, "seed": 4}, seed=9).seed == 9


def test_file_errors(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "missing.yaml")
    with pytest.raises(ScenarioError, match="not valid YAML at line 2"):
        load_scenario(write(tmp_path, "name: t\nmerchant_credit: {merchants: [}\n"))
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        load_scenario(write(tmp_path, "- just\n- a list\n"))


def test_config_hash_depends_on_content():
    a = load_scenario(MINIMAL)
    assert a.config_hash() == load_scenario(MINIMAL).config_hash()
    assert a.config_hash() != load_scenario(MINIMAL, seed=1).config_hash()


def test_config_hash_follows_the_order_of_named_entries():
    """Categories are drawn in their file order, so reordering them is another config."""
    base = load_scenario(MINIMAL)
    categories = base.merchant_credit.population.categories
    reordered = dict(reversed(list(categories.items())))
    data = {**MINIMAL, "merchant_credit": {"population": {"categories": reordered}}}
    assert load_scenario(data).config_hash() != base.config_hash()
    same = {**MINIMAL, "merchant_credit": {"population": {"categories": dict(categories)}}}
    assert load_scenario(same).config_hash() == base.config_hash()
