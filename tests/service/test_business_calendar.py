"""Business-hour arithmetic: deadlines skip nights, weekends and public holidays, and count 调休
Saturdays as workdays. Pure; the property tests need no database."""

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from depot.service.business_calendar import BusinessCalendar, hours_to_delta

TZ = ZoneInfo("Asia/Shanghai")
NINE, SIX = datetime.time(9), datetime.time(18)
D = datetime.date

CAL = BusinessCalendar(
    periods={d: ((NINE, SIX),) for d in range(5)}, tz=TZ,
    holidays=frozenset(D(2026, 2, 15) + datetime.timedelta(days=i) for i in range(9))  # 春节 Feb 15–23
    | {D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3)},
    workdays=frozenset({D(2026, 2, 14), D(2026, 2, 28), D(2026, 1, 4)}),
)
LUNCH = BusinessCalendar(periods={d: ((NINE, datetime.time(12)), (datetime.time(13), SIX)) for d in range(5)}, tz=TZ)


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


def test_hours_within_the_same_day_are_added_directly():
    assert CAL.add(at(2026, 3, 3, 10), 4) == at(2026, 3, 3, 14)


def test_a_deadline_may_fall_exactly_at_closing_time():
    assert CAL.add(at(2026, 3, 3, 10), 8) == at(2026, 3, 3, 18)


def test_hours_left_at_closing_time_carry_over_to_the_next_morning():
    assert CAL.add(at(2026, 3, 3, 16), 4) == at(2026, 3, 4, 11)


def test_a_complaint_received_at_night_starts_counting_the_next_morning():
    assert CAL.add(at(2026, 3, 3, 22, 30), 2) == at(2026, 3, 4, 11)


def test_friday_afternoon_hours_continue_on_monday():
    assert CAL.add(at(2026, 3, 6, 17), 3) == at(2026, 3, 9, 11)


def test_spring_festival_is_skipped_and_the_adjusted_saturday_is_worked():
    # Fri Feb 13 16:00 + 4h: 2h on Friday, then Saturday Feb 14 is a 调休 workday.
    assert CAL.add(at(2026, 2, 13, 16), 4) == at(2026, 2, 14, 11)
    # Sat Feb 14 17:00 + 2h: the holiday runs Feb 15–23, work resumes on Tue Feb 24.
    assert CAL.add(at(2026, 2, 14, 17), 2) == at(2026, 2, 24, 10)


def test_new_year_holiday_and_the_sunday_workday_after_it():
    assert CAL.add(at(2025, 12, 31, 17), 2) == at(2026, 1, 4, 10)


def test_the_lunch_break_is_not_counted():
    assert LUNCH.add(at(2026, 3, 3, 11), 2) == at(2026, 3, 3, 14)
    assert LUNCH.between(at(2026, 3, 3, 11), at(2026, 3, 3, 14)) == datetime.timedelta(hours=2)


def test_business_time_between_two_moments_skips_the_holiday():
    assert CAL.between(at(2026, 2, 13, 17), at(2026, 2, 24, 10)) == datetime.timedelta(hours=1 + 9 + 1)


def test_zero_hours_from_a_non_working_moment_is_the_next_opening():
    assert CAL.add(at(2026, 3, 7, 12), 0) == at(2026, 3, 9, 9)


moments = st.datetimes(min_value=datetime.datetime(2025, 12, 1), max_value=datetime.datetime(2026, 12, 31)).map(
    lambda d: d.replace(tzinfo=TZ))
quarters = st.integers(min_value=0, max_value=400).map(lambda q: hours_to_delta(q) / 4)
cals = st.sampled_from([CAL, LUNCH])


@settings(max_examples=200, deadline=None)
@given(cal=cals, start=moments, n=quarters)
def test_a_deadline_never_falls_in_non_working_time(cal, start, n):
    assert cal.is_working(cal.add(start, n))


@settings(max_examples=200, deadline=None)
@given(cal=cals, start=moments, a=quarters, b=quarters)
def test_more_hours_never_give_an_earlier_deadline(cal, start, a, b):
    low, high = sorted([a, b])
    assert cal.add(start, low) <= cal.add(start, high)


@settings(max_examples=200, deadline=None)
@given(cal=cals, start=moments, a=quarters, b=quarters)
def test_adding_a_then_b_is_adding_a_plus_b(cal, start, a, b):
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@settings(max_examples=200, deadline=None)
@given(cal=cals, start=moments, n=quarters)
def test_business_time_until_the_deadline_is_the_hours_added(cal, start, n):
    assert cal.between(start, cal.add(start, n)) == n
