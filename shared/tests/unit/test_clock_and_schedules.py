"""The shared clock and job schedules across midnight, month ends, daylight-saving changes and year ends."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coop_shared.clock import FakeClock, OffsetClock, SystemClock
from coop_shared.jobs import DailyAt, Every, Job, MonthlyOn

BRUSSELS = ZoneInfo("Europe/Brussels")


def local(value: datetime) -> datetime:
    return value.astimezone(BRUSSELS)


def test_the_system_clock_is_aware_utc_and_its_day_is_brussels() -> None:
    clock = SystemClock()
    assert clock.now().tzinfo is UTC
    assert clock.today() == clock.now().astimezone(BRUSSELS).date()


def test_the_fake_clock_crosses_midnight_in_brussels_not_in_utc() -> None:
    clock = FakeClock.at_local(2026, 3, 10, 23, 30)  # 22:30 UTC
    assert clock.today() == date(2026, 3, 10)
    clock.advance(minutes=45)  # 00:15 in Brussels, still 23:15 UTC on the 10th
    assert clock.today() == date(2026, 3, 11) and clock.now().date() == date(2026, 3, 10)
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 1, 1))  # a naive datetime is refused


def test_the_fake_clock_crosses_the_year_end() -> None:
    clock = FakeClock.at_local(2026, 12, 31, 23, 59)
    clock.advance(minutes=2)
    assert clock.today() == date(2027, 1, 1) and clock.local().hour == 0


def test_daily_at_stays_on_the_brussels_wall_clock_across_both_dst_changes() -> None:
    daily = DailyAt(time(7, 0))
    at = FakeClock.at_local(2026, 3, 27, 12).now()  # Friday before clocks go forward (29 March)
    runs = []
    for _ in range(4):
        at = daily.next_after(at, BRUSSELS)
        runs.append(at)
    assert [local(r).time() for r in runs] == [time(7, 0)] * 4
    assert [r.hour for r in runs] == [6, 5, 5, 5]  # Saturday UTC+1, then UTC+2 from Sunday 29 March
    assert runs[1] - runs[0] == timedelta(hours=23)  # the short night
    saturday = daily.next_after(FakeClock.at_local(2026, 10, 23, 12).now(), BRUSSELS)  # clocks go back on the 25th
    assert daily.next_after(saturday, BRUSSELS) - saturday == timedelta(hours=25)  # the long night


def test_a_time_that_does_not_exist_runs_an_hour_later_and_one_that_happens_twice_runs_once() -> None:
    daily = DailyAt(time(2, 30))
    spring = daily.next_after(FakeClock.at_local(2026, 3, 28, 12).now(), BRUSSELS)
    assert local(spring) == datetime(2026, 3, 29, 3, 30, tzinfo=BRUSSELS)
    autumn = daily.next_after(FakeClock.at_local(2026, 10, 24, 12).now(), BRUSSELS)
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (summer time)
    assert local(daily.next_after(autumn, BRUSSELS)).date() == date(2026, 10, 26)


def test_daily_at_across_midnight_and_the_year_end() -> None:
    daily = DailyAt.parse("00:05")
    nxt = daily.next_after(FakeClock.at_local(2026, 12, 31, 0, 5).now(), BRUSSELS)
    assert local(nxt) == datetime(2027, 1, 1, 0, 5, tzinfo=BRUSSELS)


def test_monthly_on_clamps_to_the_month_end_and_crosses_the_year() -> None:
    month_end = MonthlyOn(31, time(18, 0))
    at = FakeClock.at_local(2026, 1, 31, 18, 0).now()  # exactly at a run: the next one is February's
    seen = []
    for _ in range(4):
        at = month_end.next_after(at, BRUSSELS)
        seen.append(local(at).date())
    assert seen == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)]
    december = month_end.next_after(FakeClock.at_local(2026, 12, 31, 19).now(), BRUSSELS)
    assert local(december) == datetime(2027, 1, 31, 18, 0, tzinfo=BRUSSELS)
    assert local(MonthlyOn(29).next_after(FakeClock.at_local(2028, 2, 1).now(), BRUSSELS)).date() == \
        date(2028, 2, 29)  # leap year


def test_every_and_back_off() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert Every(5, initial_delay=2).first_run(now, BRUSSELS) == now + timedelta(seconds=2)
    assert Every(5).next_after(now, BRUSSELS) == now + timedelta(seconds=5)

    async def noop(_: object) -> None:
        return None

    job = Job("j", Every(5), noop, retry_base=timedelta(seconds=10), retry_max=timedelta(minutes=1))
    assert [job.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]


def test_an_offset_clock_runs_ahead_by_what_its_file_says_and_follows_changes(tmp_path: Path) -> None:
    offset = tmp_path / "offset"
    clock = OffsetClock(offset)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # no file: no offset
    offset.write_text(str(3 * 86400))
    assert clock.today() == (datetime.now(UTC) + timedelta(days=3)).astimezone(BRUSSELS).date()
    offset.write_text("0")
    os.utime(offset, ns=(0, offset.stat().st_mtime_ns + 1_000_000))  # a change within the same tick is seen too
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
