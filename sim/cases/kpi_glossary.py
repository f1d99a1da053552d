"""The one source of KPI definitions: each case's ``GLOSSARY`` holds a :class:`Kpi` per KPI name.

The report, ``docs/glossary.md`` (:func:`glossary_markdown`), the README's KPI section and the
dashboard read the same entries. A :class:`Kpi` is the definition text itself (a ``str``, so a
glossary still reads as name -> definition) and carries the KPI's unit and which direction of
change is good.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Literal

Direction = Literal["higher", "lower", "neutral"]
DIRECTIONS: tuple[Direction, ...] = ("higher", "lower", "neutral")

#: Units a KPI can have, and how a value in that unit is stated (figure axes, tables).
UNITS: dict[str, str] = {
    "CNY": "yuan (figures: ¥ million)",
    "share": "fraction 0-1 (shown as %)",
    "%": "percent",
    "hours": "hours",
    "days": "days",
    "count": "number of events or items",
    "per year": "events per exposure-year",
    "years": "years",
    "ratio": "dimensionless ratio",
    "grade": "rating grade (0 = best)",
    "flag": "1 = yes, 0 = no",
    "bps": "basis points",
    "score": "model score metric (AUC, KS, PSI, Brier)",
}


class Kpi(str):
    """A KPI's definition text with its unit and the good direction of change.

    Args:
        definition: what the KPI measures, in words (the text every reader shows).
        unit: one of :data:`UNITS`.
        good: ``"higher"`` or ``"lower"`` when that direction is better for the product's users,
            ``"neutral"`` when neither is (a count of activity, a size).
        label: a short title for figures and tables (default: the name in words).

    Raises:
        ValueError: on a unit outside :data:`UNITS` or a direction outside :data:`DIRECTIONS`.
    """

    unit: str
    good: Direction
    label: str

    def __new__(cls, definition: str, unit: str, good: Direction, label: str = "") -> Kpi:
        if unit not in UNITS:
            raise ValueError(f"unit: {unit!r} must be one of {sorted(UNITS)}")
        if good not in DIRECTIONS:
            raise ValueError(f"good: {good!r} must be one of {list(DIRECTIONS)}")
        entry = super().__new__(cls, definition)
        entry.unit, entry.good, entry.label = unit, good, label
        return entry

    def __reduce__(self) -> tuple[type[Kpi], tuple[str, str, Direction, str]]:
        return Kpi, (self.definition, self.unit, self.good, self.label)

    @property
    def definition(self) -> str:
        """The definition text (the string itself)."""
        return str.__str__(self)

    def as_dict(self) -> dict[str, str]:
        """``{"definition", "unit", "good", "label"}`` for JSON readers (the dashboard)."""
        return {
            "definition": self.definition,
            "unit": self.unit,
            "good": self.good,
            "label": self.label,
        }


#: Section headings of ``docs/glossary.md``.
CASE_TITLES: dict[str, str] = {
    "supply_chain": "supply_chain (case 1)",
    "merchant_credit": "merchant_credit (case 2)",
    "equipment_leasing": "equipment_leasing (case 3)",
}
#: Text after a case's entries in ``docs/glossary.md``.
CASE_NOTES: dict[str, str] = {
    "equipment_leasing": (
        "Decomposition groups (report columns; `equipment_leasing.<group>.<kpi>` in "
        "`summary.json`): `on_<channel>` = the KPI with only the channel on - traditional; "
        "`off_<channel>` = innovated - the KPI with only the channel off; `total_effect` = "
        "innovated - traditional; `interaction` = `total_effect` - the sum of the `on_<channel>` "
        "effects."
    ),
}
WIDTH = 100

SUFFIXES = ("_cny", "_pct", "_hours", "_days", "_bps")


def label_of(name: str, entry: str | None = None) -> str:
    """A KPI's title in words: its entry's ``label``, else the name without unit suffix."""
    if isinstance(entry, Kpi) and entry.label:
        return entry.label
    words = name
    for suffix in SUFFIXES:
        words = words.replace(suffix, "")
    return words.replace("_", " ").strip()


def direction_text(good: str) -> str:
    """How a reader should read a change: ``higher is better`` / ``lower is better`` / ..."""
    return {"higher": "higher is better", "lower": "lower is better"}.get(
        good, "neither direction is better"
    )


def entry_markdown(name: str, entry: str) -> str:
    """One glossary bullet: ``- **`name`**: definition. *Unit: ...; higher is better.*``."""
    text = " ".join(entry.split())
    text = text if text.endswith(".") else text + "."
    if isinstance(entry, Kpi):
        text += f" *Unit: {entry.unit}; {direction_text(entry.good)}.*"
    return textwrap.fill(
        f"- **`{name}`**: {text}", WIDTH, subsequent_indent="  ", break_on_hyphens=False
    )


def glossary_markdown(glossaries: Mapping[str, Mapping[str, str]]) -> str:
    """``docs/glossary.md``: a section per case, KPIs sorted by name, from ``glossaries``.

    Args:
        glossaries: case -> KPI name -> entry (the cases' ``GLOSSARY``, :func:`sim.cases.glossary`).
    """
    intro = (
        "Every KPI the twin reports is defined once, in its case's `GLOSSARY` "
        "(`sim/cases/<case>/kpis.py`): a definition, a unit and which direction of change is "
        "good. This page, each run's `report.html`, the README's KPI section and the dashboard "
        "read the same entries (`sim.cases.glossary()`). The same name means the same thing in "
        "both modes. In `summary.json` a KPI appears as `<case>.<mode>.<kpi>`."
    )
    units = "Units: " + "; ".join(f"`{u}` {meaning}" for u, meaning in UNITS.items()) + "."
    lines = [
        "# Glossary of KPIs",
        "",
        "<!-- generated from each case's GLOSSARY by `python -m sim.cases.kpi_glossary`; "
        "do not edit -->",
        "",
        textwrap.fill(intro, WIDTH, break_on_hyphens=False),
        "",
        textwrap.fill(units, WIDTH, break_on_hyphens=False),
        "",
    ]
    for case, entries in glossaries.items():
        lines += [f"## {CASE_TITLES.get(case, case)}", ""]
        lines += [entry_markdown(name, entries[name]) for name in sorted(entries)]
        lines.append("")
        if case in CASE_NOTES:
            lines += [textwrap.fill(CASE_NOTES[case], WIDTH, break_on_hyphens=False), ""]
    return "\n".join(lines)


def main() -> None:
    """Write ``docs/glossary.md`` (or the path given as the first argument)."""
    import sys
    from pathlib import Path

    from sim.cases import glossary, kpi_glossary  # not __main__'s copy of this module's Kpi

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/glossary.md")
    target.write_text(kpi_glossary.glossary_markdown(glossary()), encoding="utf-8")


if __name__ == "__main__":
    main()
