"""user's use cases: a profile and its address book, seen and changed only by their owner (or an admin
reading). Every change locks the profile row first, so concurrent edits of one address book run one
after the other and the default rules hold."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_platform.unit_of_work import UnitOfWorkFactory
from matjip_user.domain.addresses import (
    Address,
    default_after_removal,
    find_address,
    new_address_is_default,
    ordered,
)
from matjip_user.domain.errors import ProfileNotReady, UserNotFound
from matjip_user.domain.profiles import Profile
from matjip_user.repository import addresses, profiles


@dataclass(frozen=True)
class UserView:
    profile: Profile
    addresses: list[Address]


class UserProfiles:
    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self.unit_of_work = unit_of_work

    @asynccontextmanager
    async def _own_profile(self, user_id: UUID, *, lock: bool) -> AsyncIterator[tuple[AsyncConnection, Profile]]:
        async with self.unit_of_work() as uow:
            profile = await profiles.find(uow.conn, user_id, for_update=lock)
            if profile is None:
                raise ProfileNotReady("Your profile is being set up; try again in a moment.")
            yield uow.conn, profile

    # --- profile -------------------------------------------------------------------------------------

    async def profile(self, user_id: UUID) -> Profile:
        async with self._own_profile(user_id, lock=False) as (_, profile):
            return profile

    async def change_profile(self, user_id: UUID, changes: dict[str, Any]) -> Profile:
        async with self._own_profile(user_id, lock=True) as (conn, profile):
            return await profiles.change(conn, user_id, changes) if changes else profile

    async def user_for_admin(self, user_id: UUID) -> UserView:
        async with self.unit_of_work() as uow:
            conn = uow.conn
            profile = await profiles.find(conn, user_id)
            if profile is None:
                raise UserNotFound(f"No user {user_id}.")
            return UserView(profile, ordered(await addresses.address_book(conn, user_id)))

    # --- address book --------------------------------------------------------------------------------

    async def address_book(self, user_id: UUID) -> list[Address]:
        async with self._own_profile(user_id, lock=False) as (conn, _):
            return ordered(await addresses.address_book(conn, user_id))

    async def add_address(self, user_id: UUID, fields: dict[str, Any]) -> Address:
        async with self._own_profile(user_id, lock=True) as (conn, _):
            book = await addresses.address_book(conn, user_id)
            return await addresses.add(conn, user_id, fields, is_default=new_address_is_default(book))

    async def change_address(self, user_id: UUID, address_id: UUID, fields: dict[str, Any]) -> Address:
        async with self._own_profile(user_id, lock=True) as (conn, _):
            address = find_address(await addresses.address_book(conn, user_id), address_id)
            return await addresses.change(conn, user_id, address_id, fields) if fields else address

    async def remove_address(self, user_id: UUID, address_id: UUID) -> None:
        async with self._own_profile(user_id, lock=True) as (conn, _):
            promoted = default_after_removal(await addresses.address_book(conn, user_id), address_id)
            await addresses.remove(conn, user_id, address_id)
            if promoted is not None:
                await addresses.make_default(conn, user_id, promoted)

    async def make_default(self, user_id: UUID, address_id: UUID) -> Address:
        async with self._own_profile(user_id, lock=True) as (conn, _):
            find_address(await addresses.address_book(conn, user_id), address_id)
            await addresses.make_default(conn, user_id, address_id)
            return find_address(await addresses.address_book(conn, user_id), address_id)
