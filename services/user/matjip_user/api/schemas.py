"""Request and response bodies of user's API.

In a PATCH, a field left out is unchanged; an optional field sent as null is cleared; a required field
sent as null is refused (422 naming it).
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from matjip_contracts.events.common import Role
from matjip_platform.text_input import visible_name
from matjip_user.domain.addresses import Address, Location
from matjip_user.domain.profiles import DISPLAY_NAME_MAX_LENGTH, Profile, normalize_phone

DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH),
    AfterValidator(visible_name),
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[str, StringConstraints(max_length=30), AfterValidator(normalize_phone)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5}$")]  # 우편번호, 5 digits


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


class ProfileChanges(_Body):
    display_name: DisplayName | None = None
    phone: Phone | None = None

    _display_name_not_null = field_validator("display_name")(_not_null)


class LocationBody(_Body):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)

    def to_domain(self) -> Location:
        return Location(self.lat, self.lng)


class NewAddress(_Body):
    label: Label = "Home"
    line1: Line
    line2: Line | None = None
    postal_code: PostalCode
    delivery_note: Note | None = None
    location: LocationBody | None = Field(default=None, description="where it is on the map, to find stores nearby")

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"location"}) | {"location": self.location and self.location.to_domain()}


class AddressChanges(_Body):
    label: Label | None = None
    line1: Line | None = None
    line2: Line | None = None
    postal_code: PostalCode | None = None
    delivery_note: Note | None = None
    location: LocationBody | None = Field(default=None, description="null forgets it")

    _required_not_null = field_validator("label", "line1", "postal_code")(_not_null)

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        if "location" in changes:
            changes["location"] = self.location and self.location.to_domain()
        return changes


class ProfileResponse(BaseModel):
    user_id: UUID
    email: str
    role: Role
    display_name: str
    phone: str | None
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, profile: Profile) -> "ProfileResponse":
        return cls(
            user_id=profile.user_id,
            email=profile.email,
            role=profile.role,
            display_name=profile.display_name,
            phone=profile.phone,
            registered_at=profile.registered_at,
            updated_at=profile.updated_at,
        )


class LocationResponse(BaseModel):
    lat: float
    lng: float


class AddressResponse(BaseModel):
    address_id: UUID
    label: str
    line1: str
    line2: str | None
    postal_code: str
    delivery_note: str | None
    location: LocationResponse | None
    is_default: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, address: Address) -> "AddressResponse":
        return cls(
            address_id=address.address_id,
            label=address.label,
            line1=address.line1,
            line2=address.line2,
            postal_code=address.postal_code,
            delivery_note=address.delivery_note,
            location=LocationResponse(lat=address.location.lat, lng=address.location.lng) if address.location else None,
            is_default=address.is_default,
            created_at=address.created_at,
            updated_at=address.updated_at,
        )


class UserResponse(ProfileResponse):
    """What an admin sees of a user."""

    addresses: list[AddressResponse]
