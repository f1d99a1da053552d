"""What a product case receives from the runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sim.kernel.rng import SeedTree
from sim.recorder import Recorder

if TYPE_CHECKING:
    from sim.config import ScenarioConfig


@dataclass(frozen=True)
class CaseContext:
    """Everything a case run needs; nothing global.

    Attributes:
        config: the whole resolved scenario.
        case: this case's own config section.
        seeds: the seed tree scoped to this case (same streams for every mode).
        recorder: where events, KPIs, claims, figures and provenance go.
        run_dir: the run directory.
        progress: whether to show progress bars.
    """

    config: ScenarioConfig
    case: Any
    seeds: SeedTree
    recorder: Recorder
    run_dir: Path
    progress: bool = True


class CaseRunner(Protocol):
    """A case: runs every mode of ``ctx.config.modes`` and records the outcome."""

    def __call__(self, ctx: CaseContext) -> None: ...
