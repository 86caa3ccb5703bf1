"""The events auth publishes (on auth.events)."""

from matjip_auth.domain.accounts import Account
from matjip_contracts.events.auth import UserRegistered


def user_registered(account: Account) -> UserRegistered:
    return UserRegistered(
        user_id=account.user_id,
        email=account.email,
        role=account.role,
        display_name=account.display_name,
        registered_at=account.created_at,
    )
