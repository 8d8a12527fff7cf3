"""`infradoctor inventory`: the stack's services, volumes, nginx routes and topology,
built from the same model lint reads (see docs/inventory.md)."""

from __future__ import annotations

from infradoctor.inventory.build import build_inventory
from infradoctor.inventory.model import Inventory, RouteEntry, ServiceEntry, VolumeEntry

__all__ = ["Inventory", "RouteEntry", "ServiceEntry", "VolumeEntry", "build_inventory"]
