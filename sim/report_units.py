"""How a KPI value is stated in the report: by its glossary unit, to 3-4 significant digits.

One rule for tables and figure axes: shares are shown in %, money in ¥ (figures: ¥ million), a
change between the modes in percentage points (pp) for shares and percentages and in relative %
for everything else.
"""

from __future__ import annotations

import math
from typing import Any

#: unit -> (factor to multiply a stored value by, axis label) for figure axes.
AXIS: dict[str, tuple[float, str]] = {
    "CNY": (1e-6, "¥ million"),
    "share": (100.0, "%"),
    "%": (1.0, "%"),
    "hours": (1.0, "hours"),
    "days": (1.0, "days"),
    "count": (1.0, "count"),
    "per year": (100.0, "% per year"),
    "years": (1.0, "years"),
    "ratio": (1.0, "ratio"),
    "grade": (1.0, "grade (0 = best)"),
    "flag": (1.0, "1 = yes"),
    "bps": (1.0, "bps"),
    "score": (1.0, "score"),
}
#: Units whose change between modes is a difference in percentage points.
PP_UNITS = frozenset({"share", "%", "per year"})
#: Units whose change is a plain difference (no meaningful ratio).
DIFF_UNITS = frozenset({"grade", "flag", "score"})


def missing(value: Any) -> bool:
    """None, NaN or not a number."""
    return not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value))


def sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, thousands separated, never in e-notation."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    rounded = round(value, decimals)  # 9.999 -> 10.0: the rounded value sets the decimals
    decimals = max(digits - 1 - math.floor(math.log10(abs(rounded))), 0) if rounded else decimals
    return f"{round(value, decimals):,.{decimals}f}"


def signed(value: float, digits: int = 3) -> str:
    """:func:`sig` with an explicit ``+`` on positive values."""
    return ("+" if value > 0 else "") + sig(value, digits)


def format_value(value: Any, unit: str | None, ref: float | None = None) -> str:
    """A value in its unit: ``1.23 %``, ``¥ 4.56 M``, ``12.3 h``, ``1,234``; ``—`` if missing.

    Args:
        ref: the largest magnitude of the values shown beside this one (a table row), so money
            in one row is all in ¥ M or all in ¥.
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if missing(value):
        return "—" if value is None or isinstance(value, float) else str(value)
    v = float(value)
    if unit == "share":
        return f"{sig(v * 100)} %"
    if unit == "%":
        return f"{sig(v)} %"
    if unit == "per year":
        return f"{sig(v * 100)} % /yr"
    if unit == "CNY":
        return f"¥ {sig(v / 1e6)} M" if max(abs(v), ref or 0.0) >= 1e5 else f"¥ {v:,.0f}"
    if unit == "hours":
        return f"{sig(v)} h"
    if unit == "days":
        return f"{sig(v)} d"
    if unit == "bps":
        return f"{sig(v)} bps"
    if unit == "flag":
        return "yes" if v else "no"
    if unit in ("count", "grade") and v == int(v):
        return f"{int(v):,}"
    return sig(v, 4 if abs(v) >= 1000 else 3)


def format_change(innovated: Any, traditional: Any, unit: str | None) -> str:
    """Innovated against traditional: ``+3.4 pp`` for shares and %, ``-12 %`` relative otherwise,
    a plain difference for grades, flags and scores; ``—`` when undefined."""
    if missing(innovated) or missing(traditional):
        return "—"
    a, b = float(innovated), float(traditional)
    if unit in PP_UNITS:
        scale = 1.0 if unit == "%" else 100.0
        return f"{signed((a - b) * scale)} pp"
    if unit in DIFF_UNITS:
        return signed(a - b)
    if b == 0:
        return "—" if a == 0 else "new"
    return f"{signed((a / b - 1) * 100)} %"


def change_sign(innovated: Any, traditional: Any) -> int:
    """+1 when innovated is above traditional, -1 below, 0 equal or undefined."""
    if missing(innovated) or missing(traditional) or innovated == traditional:
        return 0
    return 1 if float(innovated) > float(traditional) else -1
