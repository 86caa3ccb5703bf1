"""Delivery addresses: a user has at most MAX_ADDRESSES, and exactly one default whenever they have any.

- the first address becomes the default;
- making an address the default un-defaults the previous one;
- deleting the default promotes the oldest remaining address.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from matjip_user.domain.errors import AddressLimitReached, AddressNotFound

MAX_ADDRESSES = 20


@dataclass(frozen=True)
class Location:
    """Where an address is on the map (WGS 84), as the customer's device placed it: the app finds the stores
    that deliver there."""

    lat: float
    lng: float


@dataclass(frozen=True)
class Address:
    address_id: UUID
    user_id: UUID
    label: str
    line1: str
    line2: str | None
    postal_code: str
    delivery_note: str | None
    is_default: bool
    created_at: datetime
    updated_at: datetime
    location: Location | None = None


def find_address(book: Sequence[Address], address_id: UUID) -> Address:
    for address in book:
        if address.address_id == address_id:
            return address
    raise AddressNotFound(f"No address {address_id} in your address book.")


def new_address_is_default(book: Sequence[Address]) -> bool:
    """Whether an address added to `book` becomes the default (refused when the book is full)."""
    if len(book) >= MAX_ADDRESSES:
        raise AddressLimitReached(f"An address book holds at most {MAX_ADDRESSES} addresses.")
    return not book


def default_after_removal(book: Sequence[Address], address_id: UUID) -> UUID | None:
    """The address to promote when `address_id` is deleted: the oldest other one if the default goes,
    none when a non-default goes (or nothing remains)."""
    removed = find_address(book, address_id)
    if not removed.is_default:
        return None
    remaining = sorted((a for a in book if a.address_id != address_id), key=lambda a: (a.created_at, a.address_id))
    return remaining[0].address_id if remaining else None


def ordered(book: Sequence[Address]) -> list[Address]:
    """How an address book is shown: the default first, then the oldest first."""
    return sorted(book, key=lambda a: (not a.is_default, a.created_at, a.address_id))
