"""Opening hours: windows on the local clock of the store's timezone, including windows past midnight."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from matjip_store.domain.hours import InvalidTimezone, OpeningWindow, accepts_orders_at, is_open_at

SEOUL = "Asia/Seoul"
MON, TUE, WED, FRI, SAT, SUN = 0, 1, 2, 4, 5, 6


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


# 2025-06-06 is a Friday.
LUNCH_AND_DINNER = (OpeningWindow(FRI, time(11), time(15)), OpeningWindow(FRI, time(17), time(21)))
LATE_NIGHT = (OpeningWindow(FRI, time(22), time(2)),)  # Friday 22:00 until Saturday 02:00


@pytest.mark.parametrize(
    ("hour", "minute", "open_"),
    [
        (10, 59, False),
        (11, 0, True),  # opening minute is inside
        (14, 59, True),
        (15, 0, False),  # closing minute is outside
        (16, 0, False),
        (17, 30, True),
        (21, 0, False),
    ],
)
def test_same_day_windows_include_opening_and_exclude_closing(hour: int, minute: int, open_: bool) -> None:
    assert is_open_at(LUNCH_AND_DINNER, SEOUL, local(SEOUL, 2025, 6, 6, hour, minute)) is open_


def test_a_window_belongs_to_its_weekday_only() -> None:
    assert not is_open_at(LUNCH_AND_DINNER, SEOUL, local(SEOUL, 2025, 6, 5, 12))  # Thursday
    assert not is_open_at(LUNCH_AND_DINNER, SEOUL, local(SEOUL, 2025, 6, 7, 12))  # Saturday


@pytest.mark.parametrize(
    ("day", "hour", "minute", "open_"),
    [
        (6, 21, 59, False),  # Friday before it opens
        (6, 22, 0, True),
        (6, 23, 59, True),
        (7, 0, 0, True),  # past midnight: Saturday, still Friday's window
        (7, 1, 59, True),
        (7, 2, 0, False),
        (7, 22, 30, False),  # Saturday night has no window of its own
        (6, 1, 0, False),  # Friday 01:00 would belong to a Thursday window, which there is not
    ],
)
def test_a_window_past_midnight_runs_into_the_next_day(day: int, hour: int, minute: int, open_: bool) -> None:
    assert is_open_at(LATE_NIGHT, SEOUL, local(SEOUL, 2025, 6, day, hour, minute)) is open_


def test_sunday_night_window_wraps_into_monday() -> None:
    sunday_late = (OpeningWindow(SUN, time(20), time(3)),)
    assert is_open_at(sunday_late, SEOUL, local(SEOUL, 2025, 6, 9, 2, 30))  # Monday 02:30
    assert not is_open_at(sunday_late, SEOUL, local(SEOUL, 2025, 6, 10, 2, 30))  # Tuesday 02:30


def test_equal_open_and_close_is_a_full_day() -> None:
    all_tuesday = (OpeningWindow(TUE, time(0), time(0)),)
    assert is_open_at(all_tuesday, SEOUL, local(SEOUL, 2025, 6, 10, 0, 0))
    assert is_open_at(all_tuesday, SEOUL, local(SEOUL, 2025, 6, 10, 23, 59))
    assert not is_open_at(all_tuesday, SEOUL, local(SEOUL, 2025, 6, 11, 0, 0))  # Wednesday
    assert not is_open_at(all_tuesday, SEOUL, local(SEOUL, 2025, 6, 9, 23, 59))  # Monday


def test_hours_are_read_on_the_stores_own_clock() -> None:
    # Friday 12:00 in Seoul is Friday 03:00 UTC and Thursday 20:00 in Los Angeles.
    instant = datetime(2025, 6, 6, 3, 0, tzinfo=UTC)
    assert is_open_at(LUNCH_AND_DINNER, SEOUL, instant)
    assert not is_open_at(LUNCH_AND_DINNER, "America/Los_Angeles", instant)
    assert not is_open_at(LUNCH_AND_DINNER, "UTC", instant)


def test_a_midnight_window_crosses_the_utc_date_line_correctly() -> None:
    # Saturday 01:00 in Seoul is Friday 16:00 UTC: open through Friday's late window, on Seoul's clock.
    assert is_open_at(LATE_NIGHT, SEOUL, datetime(2025, 6, 6, 16, 0, tzinfo=UTC))
    assert not is_open_at(LATE_NIGHT, "UTC", datetime(2025, 6, 6, 16, 0, tzinfo=UTC))


def test_daylight_saving_keeps_wall_clock_hours() -> None:
    berlin = "Europe/Berlin"
    weekday_lunch = tuple(OpeningWindow(day, time(11), time(15)) for day in range(7))
    # 11:30 local is open in winter (UTC+1) and in summer (UTC+2): the UTC instants differ by an hour.
    assert is_open_at(weekday_lunch, berlin, datetime(2025, 1, 15, 10, 30, tzinfo=UTC))
    assert is_open_at(weekday_lunch, berlin, datetime(2025, 7, 15, 9, 30, tzinfo=UTC))
    assert not is_open_at(weekday_lunch, berlin, datetime(2025, 7, 15, 13, 30, tzinfo=UTC))  # 15:30 CEST


def test_no_windows_means_closed() -> None:
    assert not is_open_at((), SEOUL, datetime.now(UTC))


def test_taking_orders_needs_both_the_switch_and_the_hours() -> None:
    friday_noon = local(SEOUL, 2025, 6, 6, 12)
    assert accepts_orders_at(LUNCH_AND_DINNER, SEOUL, True, friday_noon)
    assert not accepts_orders_at(LUNCH_AND_DINNER, SEOUL, False, friday_noon)
    assert not accepts_orders_at(LUNCH_AND_DINNER, SEOUL, True, friday_noon + timedelta(hours=4))


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(InvalidTimezone):
        is_open_at(LUNCH_AND_DINNER, "Mars/Olympus_Mons", datetime.now(UTC))
    with pytest.raises(InvalidTimezone):
        is_open_at(LUNCH_AND_DINNER, "../../etc/passwd", datetime.now(UTC))


def test_naive_instants_and_bad_windows_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        is_open_at(LUNCH_AND_DINNER, SEOUL, datetime(2025, 6, 6, 12))
    with pytest.raises(ValueError):
        OpeningWindow(7, time(9), time(17))
    with pytest.raises(ValueError):
        OpeningWindow(MON, time(9, tzinfo=UTC), time(17))


def test_windows_sort_by_day_then_time() -> None:
    windows = [
        OpeningWindow(WED, time(9), time(10)),
        OpeningWindow(MON, time(17), time(18)),
        OpeningWindow(MON, time(9), time(10)),
    ]
    assert [(w.weekday, w.opens.hour) for w in sorted(windows)] == [(MON, 9), (MON, 17), (WED, 9)]
