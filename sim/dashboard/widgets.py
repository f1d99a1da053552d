"""Solara components that draw the generated scenario form (:mod:`sim.dashboard.form`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara

from sim.dashboard.form import FormField, FormGroup, as_text, value_at


def css_id(path: str) -> str:
    """The CSS class that marks a key's input (``yq-f-supply_chain-ledger-adapter``)."""
    return "yq-f-" + path.replace(".", "-")


@solara.component
def FieldInput(
    form_field: FormField,
    base: Mapping[str, Any],
    edits: Mapping[str, str],
    errors: Mapping[str, str],
    on_edit: Callable[[str, str], None],
) -> None:
    """One input: checkbox (bool), select (Literal) or text (numbers, dates, text, YAML)."""
    path = form_field.path
    text = edits.get(path, as_text(form_field, value_at(base, path)))
    classes = [css_id(path)]
    error = errors.get(path)
    with solara.Column(gap="0px", classes=classes):
        if form_field.kind == "bool":
            solara.Checkbox(
                label=form_field.name,
                value=text.lower() == "true",
                on_value=lambda v: on_edit(path, "true" if v else "false"),
            )
            if form_field.hint:
                solara.Text(form_field.hint, style={"font-size": "0.75em", "color": "#666"})
        elif form_field.kind == "choice":
            values = [str(c) for c in form_field.choices]
            solara.Select(
                label=form_field.name,
                values=values,
                value=text if text in values else None,
                on_value=lambda v: on_edit(path, str(v)),
                dense=True,
            )
            if form_field.hint:
                solara.Text(form_field.hint, style={"font-size": "0.75em", "color": "#666"})
        else:
            solara.InputText(
                label=form_field.name,
                value=text,
                on_value=lambda v: on_edit(path, v or ""),
                error=error or False,
                message=None if error else form_field.hint or None,
                dense=True,
                hide_details=False,
            )
        if error and form_field.kind in ("bool", "choice"):
            solara.Text(error, classes=["yq-error"], style={"color": "#b00020"})


@solara.component
def Section(
    group: FormGroup,
    base: Mapping[str, Any],
    edits: Mapping[str, str],
    errors: Mapping[str, str],
    on_edit: Callable[[str, str], None],
    open_at_start: bool = False,
) -> None:
    """A nested section: a header that opens it; its inputs are drawn only while it is open."""
    opened, set_opened = solara.use_state(open_at_start)
    bad = sum(1 for f in group.fields() if f.path in errors)
    changed = sum(1 for f in group.fields() if f.path in edits)
    badge = (f" · {changed} edited" if changed else "") + (f" · {bad} invalid" if bad else "")
    with solara.Column(gap="2px", classes=["yq-section", css_id(group.path or "scenario")]):
        solara.Button(
            label=f"{'▾' if opened else '▸'} {group.name}{badge}",
            on_click=lambda: set_opened(not opened),
            text=True,
            color="error" if bad else "primary",
            classes=["yq-section-toggle"],
            style={"justify-content": "flex-start", "text-transform": "none"},
        )
        if group.description and opened:
            solara.Text(group.description, style={"font-size": "0.8em", "color": "#555"})
        if opened:
            with solara.Column(gap="10px", style={"padding-left": "18px"}):
                for child in group.children:
                    if isinstance(child, FormGroup):
                        Section(child, base, edits, errors, on_edit)
                    else:
                        FieldInput(child, base, edits, errors, on_edit)
