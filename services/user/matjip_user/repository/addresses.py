"""Queries on the addresses table; every one is scoped to its owner's user id."""

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_user.domain.addresses import Address, Location
from matjip_user.repository.tables import addresses


def _address(row: RowMapping) -> Address:
    return Address(
        address_id=row["address_id"],
        user_id=row["user_id"],
        label=row["label"],
        line1=row["line1"],
        line2=row["line2"],
        postal_code=row["postal_code"],
        delivery_note=row["delivery_note"],
        is_default=row["is_default"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        location=Location(row["lat"], row["lng"]) if row["lat"] is not None and row["lng"] is not None else None,
    )


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """An address's fields as columns: a location is stored as its two coordinates (or two nulls)."""
    columns = {name: value for name, value in fields.items() if name != "location"}
    if "location" in fields:
        location: Location | None = fields["location"]
        columns["lat"], columns["lng"] = (location.lat, location.lng) if location is not None else (None, None)
    return columns


async def address_book(conn: AsyncConnection, user_id: UUID) -> list[Address]:
    rows = (await conn.execute(select(addresses).where(addresses.c.user_id == user_id))).mappings()
    return [_address(row) for row in rows]


async def add(conn: AsyncConnection, user_id: UUID, fields: dict[str, Any], *, is_default: bool) -> Address:
    # clock_timestamp(), not now(): two addresses added in one transaction still get an order.
    row = (
        (
            await conn.execute(
                insert(addresses)
                .values(
                    address_id=uuid4(),
                    user_id=user_id,
                    is_default=is_default,
                    created_at=func.clock_timestamp(),
                    updated_at=func.clock_timestamp(),
                    **_columns(fields),
                )
                .returning(*addresses.c)
            )
        )
        .mappings()
        .one()
    )
    return _address(row)


async def change(conn: AsyncConnection, user_id: UUID, address_id: UUID, fields: dict[str, Any]) -> Address:
    row = (
        (
            await conn.execute(
                update(addresses)
                .where(addresses.c.user_id == user_id, addresses.c.address_id == address_id)
                .values(**_columns(fields), updated_at=func.now())
                .returning(*addresses.c)
            )
        )
        .mappings()
        .one()
    )
    return _address(row)


async def remove(conn: AsyncConnection, user_id: UUID, address_id: UUID) -> None:
    await conn.execute(delete(addresses).where(addresses.c.user_id == user_id, addresses.c.address_id == address_id))


async def make_default(conn: AsyncConnection, user_id: UUID, address_id: UUID) -> None:
    """`address_id` becomes the only default (the old one is cleared first: the unique index allows
    one default per user at any moment)."""
    await conn.execute(
        update(addresses)
        .where(addresses.c.user_id == user_id, addresses.c.is_default, addresses.c.address_id != address_id)
        .values(is_default=False, updated_at=func.now())
    )
    await conn.execute(
        update(addresses)
        .where(addresses.c.user_id == user_id, addresses.c.address_id == address_id, ~addresses.c.is_default)
        .values(is_default=True, updated_at=func.now())
    )
