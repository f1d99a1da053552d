"""``python -m sim.cases.glossary_docs``: write ``docs/glossary.md`` and the README's KPI section
from the cases' glossaries (:func:`sim.cases.glossary`, formatted by
:mod:`sim.cases.kpi_glossary`); the tests fail when either file is stale."""

from __future__ import annotations

from pathlib import Path

from sim.cases import glossary
from sim.cases.kpi_glossary import glossary_markdown, readme_section, replace_readme_section


def main() -> None:
    """Write ``docs/glossary.md`` and the README's KPI section from the cases' glossaries."""
    entries = glossary()
    Path("docs/glossary.md").write_text(glossary_markdown(entries), encoding="utf-8")
    readme = Path("README.md")
    text = replace_readme_section(readme.read_text(encoding="utf-8"), readme_section(entries))
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
