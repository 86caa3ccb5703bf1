"""store's settings (MATJIP_* environment variables) on top of every service's."""

from pydantic import Field

from matjip_platform.settings import ServiceSettings


class StoreSettings(ServiceSettings):
    # The longest the inbox-expiry task sleeps: it wakes at the earliest deadline it knows of, and at least
    # this often for entries other replicas received.
    timeout_scan_interval_seconds: float = Field(default=15.0, gt=0)
