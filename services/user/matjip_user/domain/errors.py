"""The ways user says no, each with a stable code (rendered as problem+json by the platform)."""

from matjip_platform.errors import Conflict, NotFound


class ProfileNotReady(NotFound):
    """The account exists in auth but its UserRegistered has not reached us yet: retry shortly."""

    code = "profile_not_ready"


class UserNotFound(NotFound):
    code = "user_not_found"


class AddressNotFound(NotFound):
    """Also the answer for someone else's address: whether it exists is not the caller's business."""

    code = "address_not_found"


class AddressLimitReached(Conflict):
    code = "address_limit_reached"
