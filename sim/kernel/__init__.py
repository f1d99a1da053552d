"""The kernel: the floor every other package stands on, importing none of them.

``errors`` (one exception root), ``rng`` (the seed tree), ``clock`` (SimPy + Mesa model),
``calendar`` (units and report months), ``events`` (typed events and the bus) and ``schema``
(the frozen config base and shocks).
"""
