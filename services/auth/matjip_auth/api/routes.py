"""auth's HTTP API under /api/auth."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse

from matjip_auth.api.schemas import (
    AccountResponse,
    KeyRotationResponse,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    SignUpRequest,
    TokenResponse,
)
from matjip_auth.application import AuthService, TokenPair
from matjip_auth.components import AuthComponents
from matjip_auth.domain.accounts import Account
from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.errors import Unauthorized
from matjip_platform.http import CurrentPrincipal, components_of, require_role

router = APIRouter(prefix="/api/auth", tags=["auth"])


async def auth_service(components: Annotated[AuthComponents, Depends(components_of(AuthComponents))]) -> AuthService:
    return components.service


Auth = Annotated[AuthService, Depends(auth_service)]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]


def _account(account: Account) -> AccountResponse:
    return AccountResponse(
        user_id=account.user_id,
        email=account.email,
        display_name=account.display_name,
        role=account.role,
        created_at=account.created_at,
    )


def _tokens(pair: TokenPair, response: Response) -> TokenResponse:
    response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1: token responses are never cached
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.access_expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer access token is required.", code="missing_token")
    return token.strip()


@router.post("/signup", status_code=status.HTTP_201_CREATED)
async def sign_up(body: SignUpRequest, auth: Auth) -> AccountResponse:
    account = await auth.sign_up(
        email=body.email, password=body.password, display_name=body.display_name, role=body.role
    )
    return _account(account)


@router.post("/login")
async def log_in(body: LoginRequest, request: Request, response: Response, auth: Auth) -> TokenResponse:
    pair = await auth.log_in(email=body.email, password=body.password, client_ip=_client_ip(request))
    return _tokens(pair, response)


@router.post("/refresh")
async def refresh(body: RefreshRequest, response: Response, auth: Auth) -> TokenResponse:
    return _tokens(await auth.refresh(body.refresh_token), response)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def log_out(principal: CurrentPrincipal, request: Request, auth: Auth, body: LogoutRequest | None = None) -> None:
    await auth.log_out(principal, _bearer_token(request), body.refresh_token if body else None)


@router.post("/logout-everywhere", status_code=status.HTTP_204_NO_CONTENT)
async def log_out_everywhere(principal: CurrentPrincipal, request: Request, auth: Auth) -> None:
    """Sign out on every device: this access token and every refresh token of the account are revoked."""
    await auth.log_out_everywhere(principal, _bearer_token(request))


@router.get("/me")
async def me(principal: CurrentPrincipal, auth: Auth) -> AccountResponse:
    return _account(await auth.account_of(principal))


@router.get("/.well-known/jwks.json")
async def jwks(auth: Auth) -> JSONResponse:
    body: dict[str, Any] = auth.jwks()
    # Verifiers cache keys themselves and refetch on an unknown kid; an intermediary cache must not
    # hide a freshly rotated key from them.
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


@router.post("/admin/keys/rotate")
async def rotate_signing_key(_: Admin, auth: Auth) -> KeyRotationResponse:
    kid, previous = await auth.rotate_signing_key()
    return KeyRotationResponse(kid=kid, previous_kid=previous)
