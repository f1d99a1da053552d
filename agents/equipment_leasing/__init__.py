"""Case 3 agents: leased equipment with sensors, lessee firms and the leasing bank.

``schema`` (the case's parameters), ``events`` (what the model emits), ``population`` (devices
and lessee traits), ``model`` (:class:`EquipmentLeasingModel`) and one module per role:
``lessees``, ``book``, ``operations``, ``sensors``, ``tariffs``, ``bank``.
"""

from agents.equipment_leasing.model import EquipmentLeasingModel
from agents.equipment_leasing.population import build_devices
from agents.equipment_leasing.schema import EquipmentLeasingConfig

__all__ = ["EquipmentLeasingConfig", "EquipmentLeasingModel", "build_devices"]
