"""The auth service's collaborators, built at start from what the platform provides."""

from dataclasses import dataclass

from matjip_auth.application import AuthService
from matjip_auth.repository.signing_keys import SigningKeyStore
from matjip_auth.settings import AuthSettings
from matjip_platform.service import Platform


@dataclass(frozen=True)
class AuthComponents:
    service: AuthService
    keys: SigningKeyStore  # auth verifies its own tokens with its own keys, not its JWKS over HTTP


async def build_components(platform: Platform[AuthSettings]) -> AuthComponents:
    settings = platform.settings
    keys = SigningKeyStore(settings.auth_key_dir)
    keys.open()
    service = AuthService(platform.unit_of_work, platform.redis, settings, keys)
    admin_password = settings.admin_password.get_secret_value()
    if settings.admin_email and admin_password:
        await service.ensure_admin(email=settings.admin_email, password=admin_password)
    return AuthComponents(service, keys)
