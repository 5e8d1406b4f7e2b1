"""Bank business days and payment deadlines, across weekends and Belgian bank holidays."""

from __future__ import annotations

from datetime import date

from payroll.domain.bank_calendar import BankCalendar, PaymentDeadlines

CAL = BankCalendar.belgian([2026, 2027])


def test_belgian_public_holidays_and_target_closing_days_are_not_business_days() -> None:
    for holiday in (date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 14), date(2026, 7, 21),
                    date(2026, 11, 11), date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)):
        assert not CAL.is_business_day(holiday), holiday
    assert CAL.is_business_day(date(2026, 4, 2)) and not CAL.is_business_day(date(2026, 4, 4))


def test_adding_business_days_skips_weekends_and_holidays() -> None:
    assert CAL.add(date(2026, 4, 2), 1) == date(2026, 4, 7)  # Good Friday, weekend, Easter Monday
    assert CAL.add(date(2026, 4, 4), 0) == date(2026, 4, 7)  # a Saturday: the next business day
    assert CAL.subtract(date(2026, 4, 7), 1) == date(2026, 4, 2)
    assert CAL.add(date(2026, 12, 31), 1) == date(2027, 1, 4)  # across the year end


def test_a_salary_due_on_easter_monday_must_be_batched_on_the_wednesday_before() -> None:
    deadlines = PaymentDeadlines(CAL, lead_business_days=1)
    due = date(2026, 4, 6)  # work ended Monday 30 March
    assert deadlines.latest_execution(due) == date(2026, 4, 2)
    assert deadlines.submit_by(due) == date(2026, 4, 1)
    assert deadlines.due_until(date(2026, 3, 31)) < due  # can still wait on Tuesday
    assert deadlines.due_until(date(2026, 4, 1)) >= due  # must go on Wednesday
    assert deadlines.in_time(date(2026, 4, 1), due) and not deadlines.in_time(date(2026, 4, 2), due)
    assert deadlines.earliest_execution(date(2026, 4, 1)) == date(2026, 4, 2)


def test_a_late_month_end_run_closes_the_month_it_belongs_to() -> None:
    from payroll.service_layer.month_end import closing_month

    assert closing_month(date(2026, 4, 30), 31) == "2026-04"  # clamped to the 30th
    assert closing_month(date(2026, 4, 2), 31) == "2026-03"  # March's run, started late
    assert closing_month(date(2027, 1, 3), 31) == "2026-12"  # across the year end
    assert closing_month(date(2026, 2, 28), 31) == "2026-02"
    assert closing_month(date(2026, 5, 25), 25) == "2026-05"
