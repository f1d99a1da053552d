"""``report.html``: per case, totals of each mode side by side, the claims table and figures."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim import io as sio
from sim.recorder import Recorder

MODE_STYLE = {"innovated": ("tab:blue", "-"), "traditional": ("tab:orange", "--")}

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:0.9rem}
th{background:#f3f3f3} td.k,th.k{text-align:left}
.ok{color:#176f2c;font-weight:600}.no{color:#a31515;font-weight:600}
.failed{background:#fde8e8;border:1px solid #a31515;padding:0.5rem 1rem}
img{max-width:100%;border:1px solid #eee;margin:0.5rem 0}
code{background:#f6f6f6;padding:0 3px}
"""


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e3 else f"{value:,.0f}"
    return html.escape(str(value))


def kpi_series_figure(series: pd.DataFrame, case: str) -> plt.Figure | None:
    """Small multiples of every monthly KPI of ``case``, one line per mode."""
    frame = series[series["case"] == case]
    names = list(dict.fromkeys(frame["kpi"]))
    if not names:
        return None
    cols = 3
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        for mode, points in frame[frame["kpi"] == name].groupby("mode", sort=True):
            color, style = MODE_STYLE.get(str(mode), ("tab:gray", ":"))
            ax.plot(points["period"], points["value"], style, color=color, label=str(mode))
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("month", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"{case}: monthly KPIs, innovated vs traditional", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / (2.6 * rows)))
    return fig


def _anchor(case: str, kpi: str) -> str:
    return html.escape(f"glossary-{case}-{kpi}")


def _kpi_name(name: str, case: str, glossary: dict[tuple[str, str], str]) -> str:
    if (case, name) in glossary:
        return f'<a href="#{_anchor(case, name)}">{html.escape(name)}</a>'
    return html.escape(name)


def _glossary(case: str, glossary: dict[tuple[str, str], str]) -> str:
    rows = "".join(
        f'<tr id="{_anchor(c, kpi)}"><td class=k><code>{html.escape(kpi)}</code></td>'
        f"<td class=k>{html.escape(meaning)}</td></tr>"
        for (c, kpi), meaning in sorted(glossary.items())
        if c == case
    )
    return f"<h3>Glossary</h3><table>{rows}</table>" if rows else ""


def _totals_table(
    totals: dict[str, Any], case: str, modes: list[str], glossary: dict[tuple[str, str], str]
) -> str:
    rows: dict[str, dict[str, Any]] = {}
    columns = list(modes)
    for key, value in totals.items():
        prefix, group, name = key.split(".", 2) if key.count(".") >= 2 else (key, "", key)
        if prefix == case:
            rows.setdefault(name, {})[group] = value
            if group not in columns:
                columns.append(group)  # case-wide groups such as the scoring model's "model"
    if not rows:
        return "<p>No totals recorded.</p>"
    head = "".join(f"<th>{html.escape(m)}</th>" for m in columns)
    body = "".join(
        f"<tr><td class=k>{_kpi_name(name, case, glossary)}</td>"
        + "".join(f"<td>{_fmt(values.get(m))}</td>" for m in columns)
        + "</tr>"
        for name, values in rows.items()
    )
    return f"<table><tr><th class=k>KPI</th>{head}</tr>{body}</table>"


def _claims_table(claims: list[Any], title: str, with_case: bool = False) -> str:
    if not claims:
        return ""
    mark = {True: "<span class=ok>holds</span>", False: "<span class=no>does not hold</span>"}
    body = ""
    for c in claims:
        case = f"<td class=k>{html.escape(c.case)}</td>" if with_case else ""
        body += (
            f"<tr>{case}<td class=k>{html.escape(c.claim)}</td><td>{html.escape(c.target)}</td>"
            f"<td>{_fmt(c.measured)}</td><td>{mark.get(c.holds, '—')}</td>"
            f"<td class=k>{html.escape(c.note)}</td></tr>"
        )
    case_head = "<th class=k>case</th>" if with_case else ""
    return (
        f"<h3>{html.escape(title)}</h3><table><tr>{case_head}<th class=k>claim</th><th>target</th>"
        f"<th>measured</th><th>verdict</th><th class=k>note</th></tr>{body}</table>"
    )


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def write_report(run_dir: Path, recorder: Recorder, manifest: dict[str, Any]) -> Path:
    """Render the run into ``run_dir/report.html`` (self-contained: figures inlined)."""
    series = recorder.kpis_frame()
    modes = list(manifest["config"]["modes"])
    cases = [c for c in manifest["config"] if c in {k.split(".")[0] for k in recorder.totals}]
    cases += [c for c in dict.fromkeys(series["case"]) if c not in cases]
    parts = [f"<h1>yinqi-twin run <code>{html.escape(manifest['run_id'])}</code></h1>"]
    if manifest.get("status") != "ok":
        parts.append(
            f"<div class=failed><b>Status: {html.escape(str(manifest.get('status')))}</b> — "
            f"{html.escape(str(manifest.get('error')))}. Results below are partial.</div>"
        )
    parts.append(
        f"<p>Scenario <b>{html.escape(manifest['scenario'])}</b>, seed {manifest['seed']}, "
        f"config hash <code>{manifest['config_hash']}</code>, git "
        f"<code>{html.escape(str(manifest.get('git_sha')))}</code>, wall time "
        f"{_fmt(manifest.get('wall_time_s'))} s.</p>"
    )
    parts.append(
        _claims_table(recorder.claims, "The source article's claims at a glance", with_case=True)
    )
    for case in cases:
        parts.append(f"<h2>{html.escape(case)}</h2>")
        parts.append(_totals_table(recorder.totals, case, modes, recorder.glossary))
        mine = [c for c in recorder.claims if c.case == case]
        parts.append(_claims_table(mine, "Claims of the source article (hypotheses, not targets)"))
        fig = kpi_series_figure(series, case)
        if fig is not None:
            recorder.figure(case, "kpi_series", fig)
            plt.close(fig)
        parts.extend(_img(path) for c, _, path in recorder.figures if c == case)
        parts.append(_glossary(case, recorder.glossary))
    provenance = "".join(
        f"<tr><td class=k>{html.escape(k)}</td><td class=k><code>{_fmt(v)}</code></td></tr>"
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
