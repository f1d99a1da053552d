"""The KPI glossary: one structured source, docs/glossary.md generated from it."""

from pathlib import Path

import pytest

from sim.cases import CASES, glossary
from sim.cases.kpi_glossary import DIRECTIONS, UNITS, Kpi, entry_markdown, glossary_markdown

DOC = Path(__file__).parents[2] / "docs" / "glossary.md"


def test_docs_glossary_is_generated_from_the_cases_glossaries():
    expected = glossary_markdown(glossary())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/glossary.md is stale: run `.venv/bin/python -m sim.cases.glossary_docs`"
    )


def test_every_entry_has_a_definition_a_known_unit_and_a_direction():
    entries = glossary()
    assert set(entries) == set(CASES)
    for case, kpis in entries.items():
        assert kpis, case
        for name, entry in kpis.items():
            assert isinstance(entry, Kpi), f"{case}.{name} is a plain str"
            assert entry.unit in UNITS and entry.good in DIRECTIONS, f"{case}.{name}"
            assert len(entry.definition.split()) >= 3, f"{case}.{name}: definition too short"
            assert entry.label, f"{case}.{name} has no label"


def test_kpi_refuses_an_unknown_unit_or_direction_with_the_rule():
    with pytest.raises(ValueError, match="unit: 'furlongs' must be one of"):
        Kpi("a long enough definition", "furlongs", "higher")
    with pytest.raises(ValueError, match="good: 'up' must be one of"):
        Kpi("a long enough definition", "count", "up")  # type: ignore[arg-type]


def test_an_entry_is_its_definition_and_carries_unit_and_direction():
    import pickle

    entry = Kpi("Rent received (CNY)", "CNY", "higher", "rental income")
    assert entry == "Rent received (CNY)" and entry.definition == "Rent received (CNY)"
    assert entry.as_dict() == {
        "definition": "Rent received (CNY)",
        "unit": "CNY",
        "good": "higher",
        "label": "rental income",
    }
    assert pickle.loads(pickle.dumps(entry)).as_dict() == entry.as_dict()
    line = entry_markdown("rental_income_cny", entry)
    assert line == "- **`rental_income_cny`**: Rent received (CNY). *Unit: CNY; higher is better.*"


def test_glossary_of_one_case_and_an_unknown_case():
    assert list(glossary("merchant_credit")) == ["merchant_credit"]
    with pytest.raises(KeyError, match="'nope' is not one of"):
        glossary("nope")


def test_readme_kpi_section_is_generated_from_the_glossary():
    from sim.cases.kpi_glossary import HEADLINE, readme_section, replace_readme_section

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme_section(glossary())
    assert section in readme, "README's KPI section is stale: run python -m sim.cases.glossary_docs"
    assert replace_readme_section(readme, section) == readme
    for case, names in HEADLINE.items():
        assert set(names) <= set(glossary(case)[case]), case
        assert all(f"- `{name}` (" in section for name in names)
    with pytest.raises(ValueError, match="markers"):
        replace_readme_section("no markers here", section)
