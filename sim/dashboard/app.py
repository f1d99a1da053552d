"""The dashboard page (Solara): run a scenario from a generated form, browse the run store, compare
two runs. :mod:`sim.dashboard.server` serves it; the runs folder and the scenarios folder come in
``YINQI_DASHBOARD_RUNS`` and ``YINQI_DASHBOARD_SCENARIOS``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import solara

from sim.config import load_scenario
from sim.dashboard import charts, jobs, store
from sim.dashboard.form import check, overrides_of, schema_tree
from sim.dashboard.views import KpiCharts, RunView
from sim.dashboard.widgets import Section
from sim.kernel.errors import ScenarioError

POLL_S = 0.5


def runs_root() -> Path:
    """The run store this dashboard serves."""
    return Path(os.environ.get("YINQI_DASHBOARD_RUNS", "runs"))


def scenarios_root() -> Path:
    """Where the scenario files are."""
    return Path(os.environ.get("YINQI_DASHBOARD_SCENARIOS", "scenarios"))


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def use_poll(active: bool) -> int:
    """A counter that ticks every :data:`POLL_S` while ``active`` (re-renders the caller)."""
    tick, set_tick = solara.use_state(0)

    def poll(cancel: threading.Event) -> None:
        count = tick
        while active and not cancel.wait(POLL_S):
            count += 1
            set_tick(count)

    solara.use_thread(poll, dependencies=[active])
    return tick


@solara.component
def JobPanel(job: jobs.Job) -> None:
    """A run in progress or finished: its progress bar, then its KPIs."""
    use_poll(job.running)
    if job.running:
        where = f"{job.bar} ({job.progress:.0%})" if job.bar else "starting"
        solara.Text(f"running {job.name}: {where}", classes=["yq-running"])
        solara.ProgressLinear(value=job.progress * 100, classes=["yq-progress"])
        solara.Button("Stop", on_click=job.stop, outlined=True, color="error")
    elif job.error:
        solara.Error(f"run {job.name} failed: {job.error}", classes=["yq-run-failed"])
        if job.log_tail:
            solara.Preformatted("\n".join(job.log_tail))
    else:
        solara.Success(f"run {job.name} finished", classes=["yq-run-done"])
        solara.Markdown(f"[report.html](/runs/{job.name}/report.html) · open it under *Runs*")
    frame = store.series(job.path)
    if not frame.empty:
        KpiCharts(frame)
    elif job.running:
        solara.Text("the monthly KPIs appear when a case has finished")


@solara.component
def Editor(source: Path, base: dict[str, Any]) -> None:
    """The generated form of one scenario file, its validation, the run button and the run."""
    edits, set_edits = solara.use_state(dict[str, str]())
    quick, set_quick = solara.use_state(False)
    job, set_job = solara.use_state(jobs.JOBS[-1] if jobs.JOBS else None)
    tree = solara.use_memo(lambda: schema_tree(present=list(base)), dependencies=[])
    overrides = overrides_of(tree, base, edits)
    checked = solara.use_memo(lambda: check(source, overrides), [tuple(overrides)])
    run_overrides = overrides
    if quick and checked.config is not None:
        run_overrides = overrides + jobs.fake_adapter_overrides(checked.config)

    def on_edit(path: str, text: str) -> None:
        set_edits({**edits, path: text})

    def run() -> None:
        config = load_scenario(source, overrides=run_overrides)
        set_job(jobs.start_run(source, run_overrides, config, runs_root()))

    with solara.Columns([5, 4]):
        with solara.Column():
            solara.Markdown("#### Parameters")
            solara.Text(
                "generated from the schema: ranges and descriptions under each input; "
                "nested sections open on click"
            )
            Section(tree, base, edits, checked.field_errors, on_edit, open_at_start=True)
        with solara.Column():
            solara.Markdown("#### Run")
            if checked.error:
                solara.Error(checked.error, classes=["yq-invalid"])
            sets = (f"--set '{o}'" for o in run_overrides)
            solara.Text(
                " ".join(["yinqi run", _label(source), *sets]),
                classes=["yq-command"],
                style={
                    "font-family": "monospace",
                    "font-size": "0.85em",
                    "word-break": "break-all",
                },
            )
            solara.Checkbox(
                label="quick: every <case>.<port>.adapter = fake", value=quick, on_value=set_quick
            )
            solara.Button(
                "Run",
                on_click=run,
                disabled=checked.config is None or (job is not None and job.running),
                color="primary",
                classes=["yq-run"],
            )
            if job is not None:
                JobPanel(job)


@solara.component
def RunTab() -> None:
    """Pick a scenario, edit it in the generated form, run it, watch its KPIs."""
    files = store.scenario_files(scenarios_root(), runs_root())
    labels = [_label(p) for p in files]
    chosen, set_chosen = solara.use_state(labels[0] if labels else "")
    if not labels:
        solara.Warning(f"no scenario files in {scenarios_root()} or {runs_root()}")
        return
    source = files[labels.index(chosen)] if chosen in labels else files[0]
    solara.Select(
        "scenario file",
        values=labels,
        value=_label(source),
        on_value=lambda v: set_chosen(v or ""),
        classes=["yq-scenario"],
    )
    try:
        base = load_scenario(source).dump(mode="json")
    except ScenarioError as exc:
        solara.Error(f"{_label(source)}: {exc}", classes=["yq-scenario-error"])
        return
    Editor(source, base).key(_label(source))


@solara.component
def RunsTab() -> None:
    """The run store: runs and sweeps with status; one run opened."""
    root = runs_root()
    use_poll(any(j.running for j in jobs.JOBS))
    names = store.run_dirs(root)
    chosen, set_chosen = solara.use_state(names[-1] if names else "")
    table = store.entries_frame(root)
    solara.Markdown(f"#### Runs and sweeps in `{_label(root)}`")
    if table.empty:
        solara.Info("no runs yet: run a scenario in the first tab or with `yinqi run`")
        return
    solara.DataFrame(charts.formatted(table), items_per_page=15)
    shown = chosen if chosen in names else names[-1]
    solara.Select(
        "open run",
        values=names,
        value=shown,
        on_value=lambda v: set_chosen(v or ""),
        classes=["yq-open-run"],
    )
    RunView(root / shown, shown).key(shown)


@solara.component
def CompareTab() -> None:
    """Two runs side by side: per-KPI totals and their difference."""
    root = runs_root()
    names = store.comparable(root)
    a, set_a = solara.use_state(names[-2] if len(names) > 1 else "")
    b, set_b = solara.use_state(names[-1] if len(names) > 1 else "")
    only_changed, set_only_changed = solara.use_state(True)
    if len(names) < 2:
        solara.Info("compare needs two finished runs (or two sweeps) in the store")
        return
    with solara.Row():
        for label, value, setter, css in (("A", a, set_a, "a"), ("B", b, set_b, "b")):
            solara.Select(
                f"run or sweep {label}",
                values=names,
                value=value if value in names else None,
                on_value=lambda v, setter=setter: setter(v or ""),
                classes=[f"yq-compare-{css}"],
            )
        solara.Checkbox(label="changed KPIs only", value=only_changed, on_value=set_only_changed)
    if a not in names or b not in names:
        solara.Info("pick two runs or two sweeps")
        return
    try:
        frame, note = store.compare(root / a, root / b)
    except ScenarioError as exc:
        solara.Error(str(exc), classes=["yq-compare-error"])
        return
    if only_changed and not frame.empty:
        frame = frame[frame["B - A"] != 0].reset_index(drop=True)
    solara.Markdown(
        f"**{len(frame)} KPIs** · {note} · B − A per KPI; *change %* relative to A; *better* "
        "says whether B moved the way the glossary calls good"
    )
    solara.DataFrame(charts.formatted(frame), items_per_page=25)


@solara.component
def Page() -> None:
    """The whole dashboard."""
    tab, set_tab = solara.use_state(0)
    solara.Title("yinqi-twin dashboard")
    with solara.Column(style={"padding": "12px"}):
        solara.Markdown("## yinqi-twin dashboard")
        with solara.lab.Tabs(value=tab, on_value=set_tab):
            solara.lab.Tab("Run a scenario", classes=["yq-tab-run"])
            solara.lab.Tab("Runs", classes=["yq-tab-runs"])
            solara.lab.Tab("Compare", classes=["yq-tab-compare"])
        [RunTab, RunsTab, CompareTab][tab]()
