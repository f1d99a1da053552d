"""``report.html``: the claims at a glance, then per case its KPIs in units, figures and glossary.

Every number is stated in its glossary unit (:mod:`sim.report_units`), every change between the
modes in one way (pp for shares and percentages, relative % otherwise, named in the cell).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path
from typing import Any

from sim import io as sio
from sim.cases import CASES
from sim.cases.kpi_glossary import HEADLINE, direction_text, label_of
from sim.recorder import Claim, Recorder
from sim.report_figures import Marker, kpi_series_figure, shock_windows, split_series
from sim.report_units import change_sign, format_change, format_value, sig

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1150px;color:#222}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:0.9rem}
th{background:#f3f3f3} td.k,th.k{text-align:left}
.ok{color:#176f2c;font-weight:600}.no{color:#a31515;font-weight:600}
.good{color:#176f2c}.bad{color:#a31515}
.failed{background:#fde8e8;border:1px solid #a31515;padding:0.5rem 1rem}
img{max-width:100%;border:1px solid #eee;margin:0.5rem 0}
code{background:#f6f6f6;padding:0 3px} .note{color:#555;font-size:0.85rem}
summary{cursor:pointer;margin:0.5rem 0}
"""
Glossary = dict[tuple[str, str], str]


def _anchor(case: str, kpi: str) -> str:
    return html.escape(f"glossary-{case}-{kpi}")


def _kpi_name(name: str, case: str, glossary: Glossary) -> str:
    entry = glossary.get((case, name))
    if entry is None:
        return html.escape(name)
    return (
        f'{html.escape(label_of(name, entry))} <a href="#{_anchor(case, name)}">'
        f"{html.escape(name)}</a>"
    )


def _glossary(case: str, glossary: Glossary) -> str:
    rows = "".join(
        f'<tr id="{_anchor(c, kpi)}"><td class=k><code>{html.escape(kpi)}</code></td>'
        f"<td class=k>{html.escape(meaning)}</td>"
        f"<td class=k>{html.escape(getattr(meaning, 'unit', ''))}</td>"
        f"<td class=k>{html.escape(direction_text(getattr(meaning, 'good', '')))}</td></tr>"
        for (c, kpi), meaning in sorted(glossary.items())
        if c == case
    )
    head = "<tr><th class=k>KPI</th><th class=k>definition</th><th class=k>unit</th>"
    head += "<th class=k>good</th></tr>"
    return (
        f"<details><summary>Glossary of {html.escape(case)} KPIs</summary>"
        f"<table>{head}{rows}</table></details>"
        if rows
        else ""
    )


def _change_cell(values: dict[str, Any], unit: str | None, good: str | None) -> str:
    inn, trad = values.get("innovated"), values.get("traditional")
    text = format_change(inn, trad, unit)
    sign = change_sign(inn, trad)
    cls = ""
    if sign and good in ("higher", "lower"):
        cls = " class=good" if (sign > 0) == (good == "higher") else " class=bad"
    return f"<td{cls}>{html.escape(text)}</td>"


def _rows(totals: dict[str, Any], case: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    rows: dict[str, dict[str, Any]] = {}
    groups: list[str] = []
    for key, value in totals.items():
        prefix, group, name = key.split(".", 2) if key.count(".") >= 2 else (key, "", key)
        if prefix == case:
            rows.setdefault(name, {})[group] = value
            if group not in groups:
                groups.append(group)
    return rows, groups


def _totals_table(totals: dict[str, Any], case: str, modes: list[str], glossary: Glossary) -> str:
    rows, groups = _rows(totals, case)
    if not rows:
        return "<p>No totals recorded.</p>"
    columns = [m for m in modes if m in groups] + [g for g in groups if g not in modes]
    both = {"innovated", "traditional"} <= set(columns)
    head = "".join(f"<th>{html.escape(m)}</th>" for m in columns)
    head += "<th>change (innovated vs traditional)</th>" if both else ""

    def row(name: str) -> str:
        entry = glossary.get((case, name))
        unit, good = getattr(entry, "unit", None), getattr(entry, "good", None)
        numbers = [abs(v) for v in rows[name].values() if isinstance(v, int | float)]
        ref = max(numbers, default=0.0)
        cells = "".join(f"<td>{format_value(rows[name].get(m), unit, ref)}</td>" for m in columns)
        change = _change_cell(rows[name], unit, good) if both else ""
        return f"<tr><td class=k>{_kpi_name(name, case, glossary)}</td>{cells}{change}</tr>"

    table_head = f"<tr><th class=k>KPI</th>{head}</tr>"
    headline = [n for n in HEADLINE.get(case, ()) if n in rows]
    rest = [n for n in rows if n not in headline]
    parts = []
    if headline:
        parts.append(f"<table>{table_head}{''.join(row(n) for n in headline)}</table>")
    if rest:
        body = f"<table>{table_head}{''.join(row(n) for n in rest)}</table>"
        title = f"All {len(rows)} KPIs" if headline else f"{len(rows)} KPIs"
        parts.append(
            body if not headline else f"<details><summary>{title}</summary>{body}</details>"
        )
    return "".join(parts)


def claims_table(claims: list[Claim]) -> str:
    """The one claims table: claim, target, measured value with its unit, verdict, how measured."""
    if not claims:
        return ""
    mark = {True: "<span class=ok>holds</span>", False: "<span class=no>does not hold</span>"}
    body = "".join(
        f"<tr><td class=k>{html.escape(c.case)}</td><td class=k>{html.escape(c.claim)}</td>"
        f"<td>{html.escape(c.target)}</td><td>{html.escape(_measured(c))}</td>"
        f"<td>{mark.get(c.holds, '—') if c.holds is not None else '—'}</td>"
        f"<td class='k note'>{html.escape(c.note)}</td></tr>"
        for c in claims
    )
    return (
        "<h2>The source article's claims at a glance</h2>"
        "<p class=note>Claims are hypotheses, never targets: each is measured on this run and "
        "stated in the unit named in its row (a relative change is against the traditional "
        "mode).</p><table><tr><th class=k>case</th><th class=k>claim</th><th>target</th>"
        f"<th>measured</th><th>verdict</th><th class=k>how measured</th></tr>{body}</table>"
    )


def _measured(claim: Claim) -> str:
    value = claim.measured
    if value is None:
        return "—"
    number = sig(float(value))
    if claim.unit.startswith(("% relative", "pp", "failures")):
        number = ("+" if value > 0 else "") + number
    return f"{number} {claim.unit}".strip()


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _series_section(recorder: Recorder, manifest: dict[str, Any], case: str) -> str:
    config = manifest["config"]
    months = int(config.get("months", 10**6))
    skip = sorted(recorder.figure_kpis.get(case, ()))
    frame, constant = split_series(recorder.kpis_frame(), case, months, skip)
    glossary = {k: v for (c, k), v in recorder.glossary.items() if c == case}
    start = dt.date.fromisoformat(str(config["start"])[:10]) if "start" in config else None
    windows = shock_windows(config.get(case, {}), start, months) if start else []
    markers = [Marker(k, m, p, t) for c, k, m, p, t in recorder.markers if c == case]
    fig = kpi_series_figure(frame, case, glossary, windows, markers)
    parts = []
    if fig is not None:
        fig.suptitle(f"{case}: monthly KPIs, innovated vs traditional", fontsize=11)
        path = recorder.figure(case, "kpi_series", fig)
        if path is not None:
            parts.append(_img(path))
    notes = [f"shaded: {w.label} (sim days → months)" for w in windows]
    notes += [f"month {m.period} ({m.mode}): {m.text}" for m in markers]
    if skip:
        notes.append("drawn in the figures above, not repeated: " + ", ".join(skip))
    if constant:
        flat = ", ".join(
            f"{name} = {format_value(v, getattr(glossary.get(name), 'unit', None))}"
            for name, v in constant.items()
        )
        notes.append(f"constant over the run in every mode (not drawn): {flat}")
    parts += [f"<p class=note>{html.escape(n)}</p>" for n in notes]
    return "".join(parts)


def write_report(run_dir: Path, recorder: Recorder, manifest: dict[str, Any]) -> Path:
    """Render the run into ``run_dir/report.html`` (self-contained: figures inlined)."""
    series = recorder.kpis_frame()
    modes = list(manifest["config"]["modes"])
    recorded = {k.split(".")[0] for k in recorder.totals} | set(series["case"])
    cases = [c for c in CASES if c in recorded] + sorted(recorded - set(CASES))
    parts = [f"<h1>yinqi-twin run <code>{html.escape(manifest['run_id'])}</code></h1>"]
    if manifest.get("status") != "ok":
        parts.append(
            f"<div class=failed><b>Status: {html.escape(str(manifest.get('status')))}</b> — "
            f"{html.escape(str(manifest.get('error')))}. Results below are partial.</div>"
        )
    wall = manifest.get("wall_time_s")
    parts.append(
        f"<p>Scenario <b>{html.escape(manifest['scenario'])}</b>, seed {manifest['seed']}, "
        f"config hash <code>{manifest['config_hash']}</code>, git "
        f"<code>{html.escape(str(manifest.get('git_sha')))}</code>, wall time "
        f"{format_value(wall, None) if wall is not None else '—'} s.</p>"
    )
    parts.append(claims_table(recorder.claims))
    for case in cases:
        parts.append(f"<h2>{html.escape(case)}</h2>")
        parts.append(_totals_table(recorder.totals, case, modes, recorder.glossary))
        parts.extend(_img(path) for c, name, path in recorder.figures if c == case)
        parts.append(_series_section(recorder, manifest, case))
        parts.append(_glossary(case, recorder.glossary))
    provenance = "".join(
        f"<tr><td class=k>{html.escape(k)}</td><td class=k><code>{html.escape(str(v))}</code>"
        "</td></tr>"
        for k, v in sorted(manifest.get("provenance", {}).items())
    )
    if provenance:
        parts.append(f"<h2>Provenance</h2><table>{provenance}</table>")
    page = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>yinqi-twin {html.escape(manifest['run_id'])}</title><style>{CSS}</style>"
        f"</head><body>{''.join(parts)}</body></html>"
    )
    path = run_dir / "report.html"
    sio.write_text(path, page)
    return path
