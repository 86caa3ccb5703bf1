"""Profiles: a customer's or owner's name and phone, started from auth's UserRegistered."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import phonenumbers

from matjip_contracts.events.common import Role

DISPLAY_NAME_MAX_LENGTH = 50
PHONE_REGION = "KR"  # numbers written without a country code are Korean


@dataclass(frozen=True)
class Profile:
    user_id: UUID
    email: str
    role: Role
    display_name: str
    phone: str | None
    registered_at: datetime
    updated_at: datetime


def normalize_phone(raw: str) -> str:
    """The number in E.164 (`+821012345678`); ValueError when it is not a valid phone number."""
    try:
        number = phonenumbers.parse(raw, PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
