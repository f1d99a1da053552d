"""The one seed tree: every random stream of a run derives from the master seed by name.

Streams are keyed by names rather than by spawn order, so adding a stream somewhere never shifts
the numbers another stream produces. The same names in the traditional and the innovated mode give
both modes the same random numbers (common random numbers).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class SeedTree:
    """A node of the seed tree: ``SeedTree(7).child("merchant_credit").generator("sales")``."""

    def __init__(self, master: int, path: tuple[str, ...] = ()) -> None:
        if master < 0:
            raise ValueError(f"seed: {master} must be >= 0")
        self.master = int(master)
        self.path = path

    def __repr__(self) -> str:
        return f"SeedTree({self.master}, path={'/'.join(self.path) or '<root>'})"

    def child(self, *names: str) -> SeedTree:
        """The subtree under ``names``."""
        return SeedTree(self.master, self.path + tuple(names))

    def sequence(self, *names: str) -> np.random.SeedSequence:
        """The ``SeedSequence`` of the stream ``names`` under this node."""
        keys = tuple(_name_key(n) for n in self.path + tuple(names))
        return np.random.SeedSequence(self.master, spawn_key=keys)

    def generator(self, *names: str) -> np.random.Generator:
        """A fresh PCG64 generator for the stream ``names``; same names → same numbers."""
        return np.random.Generator(np.random.PCG64(self.sequence(*names)))

    def int_seed(self, *names: str) -> int:
        """A 31-bit integer seed for libraries that want one (sklearn ``random_state``)."""
        return int(self.sequence(*names).generate_state(1, dtype=np.uint32)[0] >> 1)
