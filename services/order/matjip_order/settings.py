"""The order service's own settings, next to the platform's (MATJIP_* environment variables)."""

from datetime import timedelta

from pydantic import Field

from matjip_platform.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    # How long a store has to accept a paid order before the saga cancels it
    # (MATJIP_STORE_ACCEPT_TIMEOUT_SECONDS); each order keeps the window in force when it was placed.
    store_accept_timeout_seconds: float = Field(default=600.0, gt=0)
    # How long a store's menu read for browsing is shared by the requests that ask for it (0: never).
    menu_cache_seconds: float = Field(default=1.0, ge=0)
    # A cart nobody touched for this long is forgotten (MATJIP_CART_TTL_SECONDS).
    cart_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    # The store decides whether it answered in time (its inbox entry expires at the deadline); order cancels
    # by itself only when the store said nothing this long after the deadline (store down).
    store_timeout_grace_seconds: float = Field(default=30.0, ge=0)
    # The longest the acceptance-timeout task sleeps: it wakes at the earliest deadline it knows of, and at
    # least this often for deadlines set by other replicas.
    timeout_scan_interval_seconds: float = Field(default=15.0, gt=0)

    @property
    def store_accept_timeout(self) -> timedelta:
        return timedelta(seconds=self.store_accept_timeout_seconds)
