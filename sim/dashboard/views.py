"""Views of one run: KPI charts per chosen KPI (innovated vs traditional), totals, claims."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import solara

from sim.dashboard import charts, store

#: KPIs charted first when a run has them (the article's headline measures), else the first ones.
PREFERRED = (
    "financing_cycle_hours_p50",
    "financed_volume_cny",
    "approval_rate",
    "default_rate",
    "npl_ratio",
    "utilisation_rate",
    "alerts",
)


def _options(frame: pd.DataFrame) -> list[str]:
    pairs = frame[["case", "kpi"]].drop_duplicates().sort_values(["case", "kpi"])
    return [f"{c}.{k}" for c, k in zip(pairs["case"], pairs["kpi"], strict=True)]


def _defaults(options: list[str]) -> list[str]:
    preferred = [o for o in options if o.split(".", 1)[1] in PREFERRED]
    return (preferred or options)[:2]


@solara.component
def KpiCharts(frame: pd.DataFrame) -> None:
    """Pick KPIs; one chart each, a line per mode."""
    options = _options(frame)
    chosen, set_chosen = solara.use_state(_defaults(options))
    shown = [c for c in chosen if c in options] or _defaults(options)
    solara.SelectMultiple("KPIs to chart", values=shown, all_values=options, on_value=set_chosen)
    with solara.Row(style={"flex-wrap": "wrap"}, classes=["yq-kpi-charts"]):
        for option in shown:
            case, kpi = option.split(".", 1)
            fig = charts.kpi_figure(frame, case, kpi)
            solara.FigureMatplotlib(fig, dependencies=[option, len(frame)], format="png")


@solara.component
def RunView(run_dir: Path, name: str) -> None:
    """One run: status and provenance, link to its report, totals, KPI series, claims."""
    tab, set_tab = solara.use_state(0)
    status = store.entries(run_dir.parent)
    info = next((e for e in status if e.path == run_dir), None)
    manifest = store.manifest(run_dir) if (run_dir / "manifest.json").is_file() else {}
    state = info.status if info else manifest.get("status", "?")
    solara.Markdown(
        f"**{name}** · status **{state}** · scenario `{manifest.get('scenario')}` · seed "
        f"{manifest.get('seed')} · wall time {charts.fmt(manifest.get('wall_time_s'))} s · "
        f"git `{manifest.get('git_sha') or '?'}`"
    )
    if manifest.get("error"):
        solara.Error(str(manifest["error"]))
    if (run_dir / "report.html").is_file():
        solara.Markdown(f"[open report.html](/runs/{name}/report.html)")
    if not (run_dir / "summary.json").is_file():
        solara.Info("no results yet")
        return
    with solara.lab.Tabs(value=tab, on_value=set_tab):
        solara.lab.Tab("Totals", classes=["yq-run-totals"])
        solara.lab.Tab("KPI series", classes=["yq-run-series"])
        solara.lab.Tab("Claims", classes=["yq-run-claims"])
    if tab == 0:
        solara.DataFrame(charts.formatted(store.totals(run_dir)), items_per_page=20)
    elif tab == 1:
        frame = store.series(run_dir)
        if frame.empty:
            solara.Info("this run has no monthly series")
        else:
            KpiCharts(frame)
    else:
        solara.Markdown(claims_markdown(store.claims(run_dir)))


def claims_markdown(frame: pd.DataFrame) -> str:
    """The claims table as Markdown (long notes wrap instead of running off the page)."""
    header = ["case", "claim", "target", "measured", "holds", "note"]
    lines = ["| " + " | ".join(header) + " |", "|" + ":---|" * len(header)]
    for row in charts.formatted(frame).itertuples(index=False):
        cells = [str(getattr(row, c)).replace("|", "\\|").replace("\n", " ") for c in header]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
