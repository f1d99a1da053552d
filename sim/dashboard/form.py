"""The scenario form, generated from the pydantic schema: one :class:`FormField` per scalar key, one
:class:`FormGroup` per nested section, and edits turned into ``--set`` overrides.

Nothing here knows Solara; :mod:`sim.dashboard.widgets` draws the tree. Types, ranges (``ge``,
``gt``, ``le``, ``lt``) and descriptions come from the schema itself; values that are not a single
scalar (tuples, mappings, shock windows) are edited as YAML text. Validation is
:func:`sim.config.load_scenario` with the overrides, the same path as ``yinqi run --set``.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.config import CASE_KEYS, ScenarioConfig, load_scenario
from sim.kernel.errors import ScenarioError

Kind = Literal["int", "float", "text", "bool", "choice", "date", "yaml"]
#: The range constraints pydantic keeps in a field's metadata: (class, attribute, sign).
_BOUNDS = (
    (annotated_types.Ge, "ge", "≥"),
    (annotated_types.Gt, "gt", ">"),
    (annotated_types.Le, "le", "≤"),
    (annotated_types.Lt, "lt", "<"),
)


@dataclass(frozen=True)
class FormField:
    """One editable scalar key of the scenario.

    Attributes:
        path: the dotted key, as in ``--set path=value``.
        kind: which input draws it (``yaml`` = free YAML text for structured values).
        description: the schema's description.
        bounds: the schema's range as text, e.g. ``("≥ 1", "≤ 120")``.
        choices: the allowed values of a ``Literal`` field.
        optional: ``None`` (empty) is allowed.
    """

    path: str
    kind: Kind
    description: str = ""
    bounds: tuple[str, ...] = ()
    choices: tuple[Any, ...] = ()
    optional: bool = False

    @property
    def name(self) -> str:
        """The last part of the path."""
        return self.path.rsplit(".", 1)[-1]

    @property
    def hint(self) -> str:
        """Range and description in one line, for under the input."""
        return " · ".join(p for p in (", ".join(self.bounds), self.description) if p)


@dataclass(frozen=True)
class FormGroup:
    """A nested section: its fields and subsections, in schema order."""

    path: str
    description: str = ""
    children: tuple[FormField | FormGroup, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        """The last part of the path (``scenario`` for the top level)."""
        return self.path.rsplit(".", 1)[-1] if self.path else "scenario"

    def fields(self) -> list[FormField]:
        """Every field below this group, depth first."""
        found: list[FormField] = []
        for child in self.children:
            found += child.fields() if isinstance(child, FormGroup) else [child]
        return found


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None`` in a union, and whether ``None`` was allowed."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        return (args[0] if len(args) == 1 else annotation), optional
    return annotation, False


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _kind(annotation: Any) -> tuple[Kind, tuple[Any, ...]]:
    if typing.get_origin(annotation) is Literal:
        return "choice", typing.get_args(annotation)
    simple: dict[Any, Kind] = {bool: "bool", int: "int", float: "float", str: "text"}
    if annotation in simple:
        return simple[annotation], ()
    if annotation is dt.date:
        return "date", ()
    return "yaml", ()


def _bounds(info: FieldInfo) -> tuple[str, ...]:
    found = []
    for meta in info.metadata:
        for cls, attribute, sign in _BOUNDS:
            if isinstance(meta, cls):
                found.append(f"{sign} {getattr(meta, attribute)}")
    return tuple(found)


def schema_tree(
    model: type[BaseModel] = ScenarioConfig, path: str = "", present: Sequence[str] = CASE_KEYS
) -> FormGroup:
    """The form of ``model``: one field per scalar key, one group per nested model.

    Args:
        model: the schema (``ScenarioConfig`` or a section of it).
        path: the dotted prefix of ``model``'s keys.
        present: the case sections to include at the top level (a scenario's own cases).
    """
    children: list[FormField | FormGroup] = []
    for name, info in model.model_fields.items():
        if not path and name in CASE_KEYS and name not in present:
            continue
        key = f"{path}.{name}" if path else name
        annotation, optional = _unwrap(info.annotation)
        if _is_model(annotation):
            children.append(schema_tree(annotation, key))
            continue
        kind, choices = _kind(annotation)
        description = info.description or ""
        children.append(FormField(key, kind, description, _bounds(info), choices, optional))
    return FormGroup(path, (model.__doc__ or "").strip().split("\n")[0], tuple(children))


def value_at(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of nested mappings (None when absent)."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def as_text(form_field: FormField, value: Any) -> str:
    """A value as the text its input shows (YAML flow style for structured values)."""
    if value is None:
        return ""
    if form_field.kind == "yaml":
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return str(value)


def override(form_field: FormField, text: str) -> str:
    """``path=value`` for ``--set``; text keys are quoted so ``123`` stays a string."""
    if form_field.optional and text.strip() == "":
        return f"{form_field.path}=null"
    quoted = form_field.kind == "text" or (
        form_field.kind == "choice" and all(isinstance(c, str) for c in form_field.choices)
    )
    return f"{form_field.path}={json.dumps(text, ensure_ascii=False) if quoted else text}"


def overrides_of(tree: FormGroup, base: Mapping[str, Any], edits: Mapping[str, str]) -> list[str]:
    """The ``--set`` overrides of the edits that differ from the scenario's own values."""
    by_path = {f.path: f for f in tree.fields()}
    found = []
    for path, text in edits.items():
        form_field = by_path.get(path)
        if form_field is None:
            raise ScenarioError(f"{path}: not a key of the form")
        if text != as_text(form_field, value_at(base, path)):
            found.append(override(form_field, text))
    return found


@dataclass(frozen=True)
class Checked:
    """A scenario with edits, validated: the config, or the schema's messages per key."""

    config: ScenarioConfig | None
    error: str | None
    field_errors: dict[str, str]


def check(source: Path, overrides: Sequence[str]) -> Checked:
    """Validate ``source`` with ``overrides`` exactly as ``yinqi run --set`` does."""
    try:
        return Checked(load_scenario(source, overrides=overrides), None, {})
    except ScenarioError as exc:
        return Checked(None, str(exc), field_errors(str(exc)))


def field_errors(message: str) -> dict[str, str]:
    """The problems of a validation message by key path (``a.b: 3 — must be ...``)."""
    found: dict[str, str] = {}
    for part in message.split("; "):
        head, sep, rest = part.partition(": ")
        if sep and " " not in head:
            found[head] = rest
    return found
