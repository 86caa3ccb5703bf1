"""user's HTTP API under /api/user. A caller reaches only their own profile and addresses (the user id
comes from the verified token, never from the request); an ADMIN may read anyone's."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.http import CurrentPrincipal, components_of, require_role
from matjip_user.api.schemas import (
    AddressChanges,
    AddressResponse,
    NewAddress,
    ProfileChanges,
    ProfileResponse,
    UserResponse,
)
from matjip_user.application import UserProfiles
from matjip_user.components import UserComponents

router = APIRouter(prefix="/api/user", tags=["user"])


async def user_profiles(components: Annotated[UserComponents, Depends(components_of(UserComponents))]) -> UserProfiles:
    return components.profiles


Profiles = Annotated[UserProfiles, Depends(user_profiles)]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]


@router.get("/me")
async def my_profile(me: CurrentPrincipal, service: Profiles) -> ProfileResponse:
    return ProfileResponse.of(await service.profile(me.user_id))


@router.patch("/me")
async def change_my_profile(body: ProfileChanges, me: CurrentPrincipal, service: Profiles) -> ProfileResponse:
    return ProfileResponse.of(await service.change_profile(me.user_id, body.changes()))


@router.get("/me/addresses")
async def my_addresses(me: CurrentPrincipal, service: Profiles) -> list[AddressResponse]:
    return [AddressResponse.of(a) for a in await service.address_book(me.user_id)]


@router.post("/me/addresses", status_code=status.HTTP_201_CREATED)
async def add_address(body: NewAddress, me: CurrentPrincipal, service: Profiles) -> AddressResponse:
    return AddressResponse.of(await service.add_address(me.user_id, body.fields()))


@router.patch("/me/addresses/{address_id}")
async def change_address(
    address_id: UUID, body: AddressChanges, me: CurrentPrincipal, service: Profiles
) -> AddressResponse:
    return AddressResponse.of(await service.change_address(me.user_id, address_id, body.changes()))


@router.delete("/me/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_address(address_id: UUID, me: CurrentPrincipal, service: Profiles) -> None:
    await service.remove_address(me.user_id, address_id)


@router.post("/me/addresses/{address_id}/default")
async def make_default_address(address_id: UUID, me: CurrentPrincipal, service: Profiles) -> AddressResponse:
    return AddressResponse.of(await service.make_default(me.user_id, address_id))


@router.get("/users/{user_id}")
async def user_for_admin(user_id: UUID, _: Admin, service: Profiles) -> UserResponse:
    view = await service.user_for_admin(user_id)
    return UserResponse(
        **ProfileResponse.of(view.profile).model_dump(), addresses=[AddressResponse.of(a) for a in view.addresses]
    )
