"""Bad scenario input ends as a ScenarioError naming the key, quickly, whatever its shape."""

import textwrap
import time

import pytest

import sim
from sim import cli
from sim.config import load_scenario, strict_yaml
from sim.kernel.errors import ScenarioError

MINIMAL = {"name": "t", "merchant_credit": {}}


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("months=true", "months: True — a boolean is not a number"),
        ("seed=true", "seed: True — a boolean is not a number"),
        ("merchant_credit.merchants=true", "merchant_credit.merchants: True — a boolean"),
        ("merchant_credit.merchants=0x10", "merchant_credit.merchants: '0x10'"),
        ("months=.nan", "months: nan — Input should be a finite number"),
        ("merchant_credit.population.cash_buffer_months=.nan", "should be a finite number"),
        ("start=2023-02-30", "start: '2023-02-30' — Input should be a valid date"),
        ("start=2023-02-29", "start: '2023-02-29' — Input should be a valid date"),
        ("start=10000-01-01", "start: '10000-01-01'"),
        ("start=1900-01-01", "start: '1900-01-01' — Input should be greater than or equal to 1971"),
        ("merchant_credit=null", "merchant_credit: null is not a case section"),
    ],
)
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ScenarioError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_scenario(MINIMAL, overrides=[override])


def test_shock_magnitudes_must_be_finite():
    shock = "[{start_day: 10, end_day: 20, magnitude: .inf}]"
    with pytest.raises(ScenarioError, match=r"platform_traffic\.0\.magnitude: inf"):
        load_scenario(MINIMAL, overrides=[f"merchant_credit.shocks.platform_traffic={shock}"])


def test_a_shock_after_the_horizon_is_a_warning_the_user_sees(tmp_path, capsys):
    late = "[{start_day: 365, end_day: 400, magnitude: -0.3}]"
    config = load_scenario(MINIMAL, overrides=[f"merchant_credit.shocks.platform_traffic={late}"])
    assert config.warnings() == [
        "merchant_credit.shocks.platform_traffic.0.start_day: 365 is after the horizon "
        "(365 days): this shock never acts"
    ]
    overrun = "[{start_day: 300, end_day: 400, magnitude: -0.3}]"
    assert not load_scenario(
        MINIMAL, overrides=[f"merchant_credit.shocks.platform_traffic={overrun}"]
    ).warnings()
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nmerchant_credit: {}\n")
    override = f"merchant_credit.shocks.platform_traffic={late}"
    assert cli.main(["validate", str(path), "--set", override]) == 0
    assert (
        "warning: merchant_credit.shocks.platform_traffic.0.start_day: 365"
        in capsys.readouterr().err
    )


def test_duplicate_keys_are_refused_with_both_lines(tmp_path):
    path = write(tmp_path, "name: t\nmonths: 3\nmerchant_credit: {}\nmonths: 6\n")
    with pytest.raises(ScenarioError, match=r"duplicate key 'months' \(first on line 2\)"):
        load_scenario(path)


def test_alias_bomb_is_refused_before_expansion(tmp_path):
    lines = ["name: t", "merchant_credit: {}", 'a0: &a0 ["lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    began = time.perf_counter()
    with pytest.raises(ScenarioError, match="aliases would expand the document to"):
        load_scenario(write(tmp_path, "\n".join(lines) + "\n"))
    assert time.perf_counter() - began < 1.0


@pytest.mark.parametrize("depth", [65, 5_000])
def test_deep_nesting_is_refused(tmp_path, depth):
    path = write(tmp_path, f"name: t\nmerchant_credit: {{}}\nx: {'[' * depth}{']' * depth}\n")
    with pytest.raises(ScenarioError, match="nesting deeper than 64 levels"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="--set x: nesting deeper than 64 levels"):
        load_scenario(MINIMAL, overrides=[f"x={'[' * depth}{']' * depth}"])


def test_strict_yaml_keeps_ordinary_scalars():
    data = strict_yaml.load("a: 1_000\nb: -3\nc: 0.5\nd: yes\ne: 2025-01-01\nf: 1:30\ng: 0x10\n")
    expected = {"a": 1000, "b": -3, "c": 0.5, "d": True, "e": "2025-01-01", "f": "1:30"}
    assert data == {**expected, "g": "0x10"}


def test_every_shipped_scenario_round_trips_through_its_dump():
    for name in ("baseline", "merchant_credit", "supply_chain", "equipment_leasing"):
        config = sim.load_scenario(f"scenarios/{name}.yaml")
        assert sim.ScenarioConfig.model_validate(config.dump()) == config
        assert "supply_chain" in config.dump() or config.supply_chain is None


def test_a_ledger_policy_the_contract_would_refuse_is_bad_input():
    bad = ["supply_chain.bank.grace_days=100", "supply_chain.bank.default_days=50"]
    with pytest.raises(ScenarioError, match="default_days: 50 must be >= grace_days 100"):
        load_scenario({"name": "t", "supply_chain": {}}, overrides=bad)


def test_a_population_the_machine_cannot_hold_is_refused_with_the_estimate(monkeypatch):
    from sim import runner

    config = load_scenario(MINIMAL, overrides=["merchant_credit.merchants=1000000", "months=1"])
    assert 4 * 2**30 < config.memory_estimate_bytes() < 5 * 2**30
    monkeypatch.setattr(runner, "available_memory_bytes", lambda: 2 * 2**30)
    with pytest.raises(ScenarioError, match=r"needs about 4\.\d GiB \(estimate\) but only 2\.0"):
        runner.run_scenario(config, out="/nonexistent/never-created", progress=False)
    monkeypatch.setattr(runner, "available_memory_bytes", lambda: 64 * 2**30)
    runner.check_memory(config)
