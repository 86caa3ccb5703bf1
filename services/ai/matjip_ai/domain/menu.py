"""Menu items as the ai service knows them (from MenuItemUpdated snapshots)."""

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Availability(StrEnum):
    AVAILABLE = "available"
    SOLD_OUT = "sold_out"
    REMOVED = "removed"


@dataclass(frozen=True)
class MenuItem:
    menu_item_id: UUID
    store_id: UUID
    name: str
    price: int  # KRW (won)
    sold_out: bool
    removed: bool

    @property
    def availability(self) -> Availability:
        if self.removed:
            return Availability.REMOVED
        return Availability.SOLD_OUT if self.sold_out else Availability.AVAILABLE

    @property
    def orderable(self) -> bool:
        return self.availability is Availability.AVAILABLE


def supersedes(incoming_revision: int, stored_revision: int | None) -> bool:
    """A snapshot replaces the stored one only when it is newer: replays and late duplicates change nothing."""
    return stored_revision is None or incoming_revision > stored_revision
