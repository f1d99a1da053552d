"""The lessees: one Mesa agent per running lease, added when a lease starts, removed when it ends.

A :class:`Lessee` is the firm that holds the lease of one device slot: its identity (slot, lease
number), its traits and its start day, with read-only views onto its row of the vectorised
:class:`~agents.equipment_leasing.book.LeaseBook`. The lessees' daily work, paying and misbehaving
stay vectorised in :mod:`agents.equipment_leasing.operations` and the book: every lessee makes
the same dozen decisions a day on the day's shared draws, so one numpy operation over the fleet
replaces a Python call per lessee and decision. What is individual — a
lessee arriving, exiting on default or at the end of its tenor — is the agent set's business.
"""

from __future__ import annotations

import mesa
from mesa.agent import AgentSet

from agents.equipment_leasing.book import LeaseBook
from agents.equipment_leasing.population import LesseeTraits, draw_lessee
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from sim.kernel.rng import SeedTree


class Lessee(mesa.Agent):
    """The firm holding lease ``lease_no`` of device slot ``slot``.

    Args:
        model: the Mesa model the lessee lives in.
        book: the lease book (its row ``slot`` is this lessee's state).
        slot: device slot.
        lease_no: lease number on the slot (0: the lease already running at day 0).
        traits: the lessee's traits.
        start_day: sim day the lease started.
    """

    def __init__(
        self,
        model: mesa.Model,
        book: LeaseBook,
        slot: int,
        lease_no: int,
        traits: LesseeTraits,
        start_day: int,
    ) -> None:
        super().__init__(model)
        self.book, self.slot, self.lease_no = book, slot, lease_no
        self.traits, self.start_day = traits, start_day

    @property
    def device_id(self) -> str:
        """The leased device."""
        return self.book.devices.device_ids[self.slot]

    @property
    def cash_cny(self) -> float:
        """The lessee's cash today."""
        return float(self.book.cash[self.slot])

    @property
    def arrears_cny(self) -> float:
        """Rent billed and not yet paid."""
        return float(self.book.unpaid[self.slot].sum())


class Lessees:
    """Who holds which lease: the agent set of the running leases, by slot.

    Args:
        model: the Mesa model the lessees live in.
        cfg: the case config.
        book: the lease book.
        seeds: the case's market seed tree (lease ``k`` of slot ``i`` draws its traits from the
            stream ``("lease", i, k)``, the same in every mode).
    """

    def __init__(
        self, model: mesa.Model, cfg: EquipmentLeasingConfig, book: LeaseBook, seeds: SeedTree
    ) -> None:
        self.model, self.cfg, self.book, self.seeds = model, cfg, book, seeds
        self.agents = AgentSet([], random=model.random)
        self._by_slot: dict[int, Lessee] = {}

    def __len__(self) -> int:
        return len(self.agents)

    def at(self, slot: int) -> Lessee | None:
        """The lessee of ``slot``, None while the machine is in recovery, in the yard or lost."""
        return self._by_slot.get(slot)

    def start(
        self,
        slot: int,
        lease_no: int,
        day: int,
        traits: LesseeTraits | None = None,
        tariff_ix: int = 0,
    ) -> Lessee:
        """A new lessee (``traits``, drawn when omitted) takes the device of ``slot`` from
        ``day`` on tariff ``tariff_ix`` of the book's menu."""
        if traits is None:
            traits = draw_lessee(self.cfg, self.seeds, slot, lease_no)
        self.book.start_lease(slot, lease_no, day, traits, tariff_ix)
        lessee = Lessee(self.model, self.book, slot, lease_no, traits, day)
        self.agents.add(lessee)
        self._by_slot[slot] = lessee
        return lessee

    def exit(self, slot: int) -> None:
        """The lessee of ``slot`` leaves (default or end of tenor): removed from the model."""
        lessee = self._by_slot.pop(slot)
        self.agents.remove(lessee)
        lessee.remove()
