"""Queries on the profiles table."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.common import Role
from matjip_platform.sql import insert_unless_present
from matjip_user.domain.profiles import Profile
from matjip_user.repository.tables import profiles

_CREATE = insert_unless_present(
    profiles, ("user_id", "email", "role", "display_name", "registered_at"), on=("user_id",), returning=("user_id",)
)


def _profile(row: RowMapping) -> Profile:
    return Profile(
        user_id=row["user_id"],
        email=row["email"],
        role=Role(row["role"]),
        display_name=row["display_name"],
        phone=row["phone"],
        registered_at=row["registered_at"],
        updated_at=row["updated_at"],
    )


async def create_if_absent(
    conn: AsyncConnection, *, user_id: UUID, email: str, role: Role, display_name: str, registered_at: datetime
) -> bool:
    """True when the profile was created; False when it already existed (left exactly as it is)."""
    result = await conn.execute(
        _CREATE,
        {
            "user_id": user_id,
            "email": email,
            "role": role.value,
            "display_name": display_name,
            "registered_at": registered_at,
        },
    )
    return result.first() is not None


async def find(conn: AsyncConnection, user_id: UUID, *, for_update: bool = False) -> Profile | None:
    """The profile; `for_update` locks it, serialising every change to it and its address book."""
    query = select(profiles).where(profiles.c.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return _profile(row) if row is not None else None


async def change(conn: AsyncConnection, user_id: UUID, values: dict[str, Any]) -> Profile:
    row = (
        (
            await conn.execute(
                update(profiles)
                .where(profiles.c.user_id == user_id)
                .values(**values, updated_at=func.now())
                .returning(*profiles.c)
            )
        )
        .mappings()
        .one()
    )
    return _profile(row)
