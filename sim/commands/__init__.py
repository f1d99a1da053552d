"""``yinqi`` subcommands that live in their own module (one file per command).

Each module ``sim.commands.<name>`` defines::

    HELP: str                                   # one line for ``yinqi --help``
    def configure(parser: argparse.ArgumentParser) -> None: ...   # its arguments
    def run(args: argparse.Namespace) -> int: ...                 # its exit code

and is found by :func:`discover`; ``sim.cli`` adds it with the common ``--debug``/``--quiet``
options and the shared error handling and exit codes. Keep heavy imports inside ``run`` so
``yinqi --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One discovered subcommand."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def discover() -> list[Command]:
    """Every ``sim.commands.<name>`` module, sorted by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(
            Command(
                name=info.name.replace("_", "-"),
                help=module.HELP,
                configure=module.configure,
                run=module.run,
            )
        )
    return found
