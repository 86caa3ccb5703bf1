"""Opening hours: weekly windows in the store's own timezone; a window may run past midnight."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matjip_platform.errors import DomainError


class InvalidTimezone(DomainError):
    status, code, title = 422, "invalid_timezone", "Unknown timezone"


@dataclass(frozen=True, order=True)
class OpeningWindow:
    """Open from `opens` on `weekday` (0 = Monday) until `closes`.

    `closes` at or before `opens` means the window runs past midnight into the next day
    (22:00-02:00 on Friday is open Friday night until Saturday 02:00); `closes == opens` is a full 24 hours.
    """

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening times are wall-clock times in the store's timezone, without an offset")

    @property
    def passes_midnight(self) -> bool:
        return self.closes <= self.opens

    def contains(self, weekday: int, at: time) -> bool:
        """Is a local wall-clock moment (weekday, time) inside this window?"""
        if weekday == self.weekday and at >= self.opens:
            return self.passes_midnight or at < self.closes
        # The part after midnight belongs to the window that opened the day before.
        return self.passes_midnight and weekday == (self.weekday + 1) % 7 and at < self.closes


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; InvalidTimezone (422) for anything else."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimezone(f"{name!r} is not an IANA timezone (e.g. Asia/Seoul).") from exc


def is_open_at(windows: Iterable[OpeningWindow], timezone: str, instant: datetime) -> bool:
    """Whether the store's hours include `instant` (an aware datetime), read in the store's timezone."""
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local = instant.astimezone(zone(timezone))
    # Wall-clock comparison: a window "09:00-21:00" means those hours on the local clock, DST or not.
    at = local.time().replace(tzinfo=None, fold=0)
    return any(window.contains(local.weekday(), at) for window in windows)


def accepts_orders_at(
    windows: Iterable[OpeningWindow], timezone: str, accepting_orders: bool, instant: datetime
) -> bool:
    """A store takes orders when its owner has it accepting orders and its hours include the moment."""
    return accepting_orders and is_open_at(windows, timezone, instant)
