"""A store's sales of one day, as its owner reads them. The day is the store's own calendar day (its
timezone), whatever the server's clock says."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matjip_contracts.events import OrderStatus

# The store took the order on: its money counts as sales from acceptance on.
SOLD = frozenset(
    {
        OrderStatus.ACCEPTED,
        OrderStatus.PREPARING,
        OrderStatus.READY,
        OrderStatus.PICKED_UP,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    }
)
HANDED_OVER = frozenset({OrderStatus.PICKED_UP, OrderStatus.DELIVERED, OrderStatus.COMPLETED})
BEFORE_ACCEPTANCE = frozenset({OrderStatus.PLACED, OrderStatus.STOCK_RESERVED, OrderStatus.AWAITING_STORE})


# The days whose sales may be asked for. The calendar's last day has no next midnight, and its first has no
# UTC start east of Greenwich: beyond these bounds a day's bounds do not exist in every timezone.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(9999, 12, 30)


def askable_day(day: date | None) -> date | None:
    """`day` if its sales may be asked for (None: today); a ValueError naming the bounds otherwise."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day


def local_day(moment: datetime, timezone: str) -> date:
    """The store's calendar day at `moment`."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of the store's calendar day in UTC (23 or 25 hours long where clocks change)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class StatusTotal:
    """Orders placed in the day that are now in one status: how many, and their amount in won."""

    status: OrderStatus
    orders: int
    amount: int


@dataclass(frozen=True)
class DaySales:
    day: date
    timezone: str
    orders_placed: int
    orders_awaiting: int  # not yet accepted (stock, payment or the store still to answer)
    orders_sold: int  # accepted, in the kitchen or handed over
    orders_handed_over: int
    orders_cancelled: int
    sales_amount: int  # won of the sold orders


def summarize(day: date, timezone: str, totals: Iterable[StatusTotal]) -> DaySales:
    found = list(totals)

    def count(statuses: frozenset[OrderStatus]) -> int:
        return sum(t.orders for t in found if t.status in statuses)

    return DaySales(
        day=day,
        timezone=timezone,
        orders_placed=sum(t.orders for t in found),
        orders_awaiting=count(BEFORE_ACCEPTANCE),
        orders_sold=count(SOLD),
        orders_handed_over=count(HANDED_OVER),
        orders_cancelled=count(frozenset({OrderStatus.CANCELLED})),
        sales_amount=sum(t.amount for t in found if t.status in SOLD),
    )
