"""Settings of the notification service (MATJIP_NOTIFICATION_* on top of the platform's variables)."""

from pydantic import Field

from matjip_platform.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    # A comment line every N seconds keeps proxies and load balancers from closing idle streams.
    notification_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # Safety net under the Redis wake-ups: a stream re-reads the database at least this often.
    notification_poll_seconds: float = Field(default=30.0, gt=0)
    notification_replay_batch: int = Field(default=100, ge=1, le=1000)
    # How long a stream may finish its frame when the server shuts down before it is cut.
    notification_shutdown_grace_seconds: float = Field(default=2.0, ge=0)
