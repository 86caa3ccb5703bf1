"""Who may change a store: its owner, or an admin. Everyone may look."""

from uuid import UUID

from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal
from matjip_platform.errors import Forbidden


class NotStoreOwner(Forbidden):
    code = "not_store_owner"


def ensure_can_manage(store_owner_id: UUID, principal: Principal) -> None:
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.OWNER and principal.user_id == store_owner_id:
        return
    raise NotStoreOwner("Only the store's owner can change it.")
