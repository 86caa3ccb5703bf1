"""Queries on the accounts table."""

from uuid import UUID

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_auth.domain.accounts import Account
from matjip_auth.repository.tables import accounts
from matjip_contracts.events.common import Role
from matjip_platform.sql import insert_unless_present

_INSERT = insert_unless_present(
    accounts,
    ("user_id", "email", "password_hash", "display_name", "role"),
    on=("email",),
    returning=tuple(column.name for column in accounts.c),
)


def _account(row: RowMapping) -> Account:
    return Account(
        user_id=row["user_id"],
        email=row["email"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
    )


async def insert_account(
    conn: AsyncConnection, *, user_id: UUID, email: str, password_hash: str, display_name: str, role: Role
) -> Account | None:
    """The new account, or None when the email is already registered (nothing written)."""
    values = {
        "user_id": user_id,
        "email": email,
        "password_hash": password_hash,
        "display_name": display_name,
        "role": role.value,
    }
    row = (await conn.execute(_INSERT, values)).mappings().first()
    return _account(row) if row is not None else None


async def find_by_email(conn: AsyncConnection, email: str) -> Account | None:
    row = (await conn.execute(select(accounts).where(accounts.c.email == email))).mappings().first()
    return _account(row) if row is not None else None


async def find_by_id(conn: AsyncConnection, user_id: UUID) -> Account | None:
    row = (await conn.execute(select(accounts).where(accounts.c.user_id == user_id))).mappings().first()
    return _account(row) if row is not None else None


async def set_password_hash(conn: AsyncConnection, user_id: UUID, password_hash: str) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.user_id == user_id).values(password_hash=password_hash, updated_at=func.now())
    )
