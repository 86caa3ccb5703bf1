"""A store's day of sales: its own calendar day (clock changes included) and what counts as sold."""

from datetime import UTC, date, datetime

from matjip_contracts.events import OrderStatus
from matjip_order.domain.sales import StatusTotal, day_bounds, local_day, summarize


def test_the_day_is_the_stores_calendar_day() -> None:
    assert day_bounds(date(2026, 5, 5), "Asia/Seoul") == (
        datetime(2026, 5, 4, 15, tzinfo=UTC),
        datetime(2026, 5, 5, 15, tzinfo=UTC),
    )
    # 23:30 UTC on the 4th is already the 5th in Seoul.
    assert local_day(datetime(2026, 5, 4, 23, 30, tzinfo=UTC), "Asia/Seoul") == date(2026, 5, 5)


def test_a_day_when_clocks_change_is_23_or_25_hours_long() -> None:
    spring_start, spring_end = day_bounds(date(2026, 3, 29), "Europe/Berlin")
    autumn_start, autumn_end = day_bounds(date(2026, 10, 25), "Europe/Berlin")
    assert (spring_end - spring_start).total_seconds() == 23 * 3600
    assert (autumn_end - autumn_start).total_seconds() == 25 * 3600


def test_sales_count_accepted_orders_only() -> None:
    totals = [
        StatusTotal(OrderStatus.AWAITING_STORE, 2, 20_000),
        StatusTotal(OrderStatus.ACCEPTED, 1, 12_000),
        StatusTotal(OrderStatus.READY, 1, 8_000),
        StatusTotal(OrderStatus.COMPLETED, 3, 30_000),
        StatusTotal(OrderStatus.CANCELLED, 4, 50_000),
    ]
    day = summarize(date(2026, 5, 5), "Asia/Seoul", totals)
    assert (day.orders_placed, day.orders_awaiting, day.orders_sold, day.orders_handed_over, day.orders_cancelled) == (
        11,
        2,
        5,
        3,
        4,
    )
    assert day.sales_amount == 50_000


def test_a_day_without_orders_is_all_zero() -> None:
    day = summarize(date(2026, 5, 5), "Asia/Seoul", [])
    assert day.orders_placed == day.sales_amount == 0
