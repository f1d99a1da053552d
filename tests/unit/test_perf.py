"""``make bench`` (sim.perf): every benchmark size is a valid scenario, the table says targets."""

import pytest

from sim import perf


@pytest.mark.parametrize("full", [False, True])
def test_every_size_is_a_valid_scenario_of_its_case(full: bool) -> None:
    for name, bench in perf.BENCHES.items():
        for size in bench.sizes(full):
            config = bench.config(size, ("merchant_credit.merchants=50", "months=2"))
            assert getattr(config, name) is not None
            assert config.months == 2  # extra overrides come last
            assert perf.agents(config, name) > 0


def test_full_sizes_are_issue_14s() -> None:
    sizes = {(n, s.label): s for n, b in perf.BENCHES.items() for s in b.sizes(True)}
    targets = {key: size.target_s for key, size in sizes.items()}
    assert targets == {
        ("supply_chain", "100+100 suppliers × 12 months"): 10.0,
        ("supply_chain", "1,000+1,000 suppliers × 12 months"): 60.0,
        ("merchant_credit", "500,000 merchants × 24 months"): 300.0,
        ("equipment_leasing", "3,000 devices × 12 months"): 300.0,
    }
    leasing = perf.BENCHES["equipment_leasing"].config(perf.BENCHES["equipment_leasing"].quick)
    assert leasing.equipment_leasing is not None
    assert not leasing.equipment_leasing.decomposition.enabled  # the broker path only


def test_table_marks_targets_met_or_missed_and_failed_sizes() -> None:
    row = {
        "case": "supply_chain",
        "size": "100+100 suppliers × 12 months",
        "target_s": 10.0,
        "agents": 200,
        "days": 365,
        "modes": 2,
        "case_wall_s": 12.5,
        "in_run": 500.0,
        "raw": 1000.0,
        "peak_rss_mib": 300.0,
    }
    quick = {**row, "target_s": None, "case_wall_s": 4.0}
    failed = {"case": "merchant_credit", "size": "500,000 merchants × 24 months", "error": "exit 1"}
    lines = perf.table([row, quick, failed]).splitlines()
    assert lines[2].split(" | ")[2:5] == ["12.5", "10 missed", "11,680"]
    assert " | 0.50 | " in lines[2]
    assert lines[3].split(" | ")[3] == "—"
    assert "500,000 merchants × 24 months: failed, exit 1" in lines[4]
    assert {line.count("|") for line in lines} == {11}
