"""The device monitor's own parameters: rule names, the geofence and the rule thresholds.

:class:`MonitorRules` is the scenario's ``equipment_leasing.telemetry.rules`` section as it stands:
the case schema embeds it and the monitor reads it directly, so each threshold and its default
is written once, here.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from pydantic import Field, PrivateAttr, field_validator

from sim.kernel.schema import Frozen

RuleName = Literal["idle", "geofence", "fuel_rate", "fault", "arrears_idle"]
IDLE: Final = "idle"
GEOFENCE: Final = "geofence"
FUEL_RATE: Final = "fuel_rate"
FAULT: Final = "fault"
ARREARS_IDLE: Final = "arrears_idle"
RULES: tuple[RuleName, ...] = (IDLE, GEOFENCE, FUEL_RATE, FAULT, ARREARS_IDLE)
LatLon = tuple[float, float]
Polygon = tuple[LatLon, ...]
#: The seed article's allowed region, 30–40°N × 110–120°E, as ``(lat, lon)`` corners.
SEED_ARTICLE_BOX: Polygon = ((30.0, 110.0), (30.0, 120.0), (40.0, 120.0), (40.0, 110.0))


class Geofence:
    """Allowed region: the union of polygons given as ``(lat, lon)`` vertices.

    Args:
        polygons: the polygons; axis-aligned rectangles are checked as a closed box.
    """

    def __init__(self, polygons: tuple[Polygon, ...]) -> None:
        self.polygons = polygons
        self._boxes = [_rectangle(polygon) for polygon in polygons]

    @classmethod
    def box(cls, lat_min: float, lat_max: float, lon_min: float, lon_max: float) -> Geofence:
        """A lat/lon rectangle (the seed article's 30–40°N, 110–120°E is one)."""
        corners = ((lat_min, lon_min), (lat_min, lon_max), (lat_max, lon_max), (lat_max, lon_min))
        return cls((corners,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Geofence) and self.polygons == other.polygons

    def __hash__(self) -> int:
        return hash(self.polygons)

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Boolean array: which points lie inside (or on the edge of) any polygon."""
        inside = np.zeros(np.shape(lat), dtype=bool)
        for polygon, box in zip(self.polygons, self._boxes, strict=True):
            if box is None:
                inside |= _in_polygon(polygon, lat, lon)
            else:
                inside |= (box[0] <= lat) & (lat <= box[1]) & (box[2] <= lon) & (lon <= box[3])
        return inside


def _rectangle(polygon: Polygon) -> tuple[float, float, float, float] | None:
    """``(lat_min, lat_max, lon_min, lon_max)`` if ``polygon`` is an axis-aligned rectangle.

    For such a polygon :func:`_in_polygon` gives exactly the closed box: an edge's tolerance
    band never applies because a point within an axis-parallel edge's extent lies on its line.
    """
    corners = {(float(a), float(b)) for a, b in polygon}
    lats, lons = sorted({a for a, _ in corners}), sorted({b for _, b in corners})
    if len(polygon) != 4 or len(corners) != 4 or len(lats) != 2 or len(lons) != 2:
        return None
    if not all(np.isfinite(v) for v in (*lats, *lons)):
        return None
    edges = zip(polygon, (*polygon[1:], polygon[0]), strict=True)
    if not all((p[0] == q[0]) != (p[1] == q[1]) for p, q in edges):
        return None
    return lats[0], lats[1], lons[0], lons[1]


def _in_polygon(polygon: Polygon, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Even-odd ray casting along the longitude axis, edges counted as inside."""
    vertices = np.asarray(polygon, dtype=np.float64)
    inside = np.zeros(np.shape(lat), dtype=bool)
    on_edge = np.zeros(np.shape(lat), dtype=bool)
    for (lat1, lon1), (lat2, lon2) in zip(vertices, np.roll(vertices, -1, axis=0), strict=True):
        cross = (lon2 - lon1) * (lat - lat1) - (lat2 - lat1) * (lon - lon1)
        within = (np.minimum(lat1, lat2) <= lat) & (lat <= np.maximum(lat1, lat2))
        within &= (np.minimum(lon1, lon2) <= lon) & (lon <= np.maximum(lon1, lon2))
        on_edge |= within & (np.abs(cross) < 1e-12)
        if lat1 == lat2:
            continue
        straddles = (lat1 > lat) != (lat2 > lat)
        lon_at = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
        inside ^= straddles & (lon < lon_at)
    return inside | on_edge


class MonitorRules(Frozen):
    """Rule thresholds of the :class:`~products.telemetry.monitor.DeviceMonitor`.

    Attributes:
        idle_hours: alert when no productive hour for longer than this.
        geofence: allowed region as polygons of ``(lat, lon)`` points; leaving it alerts.
        fuel_min_engine_hours: fuel rate is judged only over intervals with this many engine hours.
        fault_codes: codes that alert; empty = every code.
        arrears_days: days past due from which ``arrears_idle`` applies.
        arrears_idle_hours: idle hours that, with arrears, raise ``arrears_idle``.
        enabled: rule names in force.
    """

    idle_hours: float = Field(default=24.0, gt=0)
    geofence: tuple[Polygon, ...] = (SEED_ARTICLE_BOX,)
    fuel_min_engine_hours: float = Field(default=0.5, gt=0)
    fault_codes: tuple[str, ...] = ()
    arrears_days: int = Field(default=30, ge=1)
    arrears_idle_hours: float = Field(default=72.0, gt=0)
    enabled: tuple[RuleName, ...] = RULES
    _region: Geofence = PrivateAttr()

    def model_post_init(self, context: object, /) -> None:
        """Build the geofence once from the polygons (the monitor checks it every tick)."""
        self._region = Geofence(self.geofence)

    @property
    def allowed_region(self) -> Geofence:
        """The ``geofence`` polygons as a :class:`Geofence`."""
        return self._region

    @field_validator("geofence")
    @classmethod
    def _polygons(cls, polygons: tuple[Polygon, ...]) -> tuple[Polygon, ...]:
        if not polygons or any(len(p) < 3 for p in polygons):
            raise ValueError("needs at least one polygon of >= 3 (lat, lon) points")
        return polygons
