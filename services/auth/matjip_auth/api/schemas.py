"""Request and response bodies of auth's API."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from matjip_auth.domain.accounts import (
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    password_problem,
)
from matjip_contracts.events.common import Role
from matjip_platform.text_input import visible_name


def _deliverable_form(value: str) -> str:
    # Syntax only (no DNS lookup); `test_environment` admits *.test addresses for end-to-end tests.
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


def _acceptable_password(value: str) -> str:
    problem = password_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Email = Annotated[str, StringConstraints(max_length=EMAIL_MAX_LENGTH), AfterValidator(_deliverable_form)]
NewPassword = Annotated[str, AfterValidator(_acceptable_password)]
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH),
    AfterValidator(visible_name),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpRequest(_Body):
    email: Email
    password: NewPassword
    display_name: DisplayName
    role: Literal[Role.CUSTOMER, Role.OWNER] = Field(description="ADMIN accounts are never self-registered")


class LoginRequest(_Body):
    # Not validated as an address: the operator's admin may use a local domain (admin@matjip.local).
    email: Annotated[str, StringConstraints(min_length=1, max_length=EMAIL_MAX_LENGTH)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX_LENGTH)]


class RefreshRequest(_Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LogoutRequest(_Body):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class AccountResponse(BaseModel):
    user_id: UUID
    email: str
    display_name: str
    role: Role
    created_at: datetime


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str
    refresh_expires_in: int = Field(description="seconds until the refresh token expires unless rotated")


class KeyRotationResponse(BaseModel):
    kid: str = Field(description="the key that signs from now on")
    previous_kid: str = Field(description="stays in the JWKS until the tokens it signed have expired")
