"""The merchant_credit schema: defaults = the documented scenario, bad values name key and rule."""

from pathlib import Path

import pytest

from agents.merchant_credit.schema import MerchantCreditConfig
from sim.config import load_scenario
from sim.kernel.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]


def _load(section: dict) -> None:
    load_scenario({"name": "t", "merchant_credit": section})


def test_full_scenario_documents_exactly_the_defaults_plus_shocks() -> None:
    config = load_scenario(ROOT / "scenarios" / "merchant_credit.yaml")
    section = config.merchant_credit
    assert section is not None and section.merchants >= 2000 and config.months == 24
    assert set(config.modes) == {"innovated", "traditional"}
    defaults = MerchantCreditConfig().model_dump()
    assert [k for k, v in section.model_dump().items() if defaults[k] != v] == [
        "population",
        "shocks",
    ]
    population = section.population.model_dump()
    # the one scenario choice besides the shocks: the wealth channel of property prices is on
    assert [k for k, v in population.items() if defaults["population"][k] != v] == [
        "owner_equity_support_share"
    ]


def test_baseline_has_a_small_merchant_section() -> None:
    config = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert config.merchant_credit is not None and config.merchant_credit.merchants <= 1000


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"merchants": -5}, "merchant_credit.merchants: -5"),
        ({"innovated": {"max_limit_cny": -5}}, "merchant_credit.innovated.max_limit_cny: -5"),
        ({"scoring": {"estimator": "svm"}}, "merchant_credit.scoring.estimator: 'svm'"),
        ({"behaviour": {"consent_probability": 1.5}}, "less than or equal to 1"),
        ({"population": {"colour": 1}}, "merchant_credit.population.colour: unknown key"),
        (
            {"ledger": {"npl_dpd": 200, "write_off_dpd": 100}},
            "write_off_dpd 100 must be >= npl_dpd 200",
        ),
        (
            {
                "shocks": {
                    "sector_downturn": [
                        {"start_day": 5, "end_day": 9, "magnitude": -0.1, "categories": ["cars"]}
                    ]
                }
            },
            "shocks.sector_downturn.0.categories: ['cars'] not in population.categories",
        ),
        (
            {"population": {"regions": {"east": {"share": 0.5, "property_annual_change": 0}}}},
            "regions shares sum to 0.5000, must sum to 1",
        ),
    ],
)
def test_bad_values_name_key_value_and_rule(section: dict, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        _load(section)
    assert expected in str(err.value)


def test_overrides_are_typed_through_the_schema() -> None:
    config = load_scenario(
        {"name": "t", "merchant_credit": {}},
        overrides=[
            "merchant_credit.merchants=700",
            "merchant_credit.scoring.estimator=logistic_regression",
        ],
    )
    assert config.merchant_credit is not None
    assert config.merchant_credit.merchants == 700
    assert config.merchant_credit.scoring.estimator == "logistic_regression"


def test_memory_estimate_follows_the_buffers_the_population_holds() -> None:
    base = MerchantCreditConfig(merchants=100_000)
    longer = MerchantCreditConfig.model_validate(
        {"merchants": 100_000, "scoring": {"history_days": 120}}
    )
    # two populations held at once, 4 float32 signals per buffered day and merchant
    assert (
        longer.memory_estimate_bytes(12) - base.memory_estimate_bytes(12) == 100_000 * 2 * 16 * 30
    )
    assert base.memory_estimate_bytes(24) > base.memory_estimate_bytes(12)
