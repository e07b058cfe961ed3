"""Pure rules of follow-ups and care: date arithmetic, the lunar calendar, thresholds, messages."""

import calendar
import datetime
from decimal import Decimal

from lunardate import LunarDate

from depot.followups.choices import CalendarKind


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by `months` calendar months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_grade_followup(*, last_done: datetime.date | None, interval_months: int, today: datetime.date
                        ) -> datetime.date:
    """The next grade follow-up: one interval after the last one done, never before today."""
    if last_done is None:
        return today
    return max(add_months(last_done, interval_months), today)


def solar_date(*, calendar_kind: str, month: int, day: int, year: int) -> datetime.date | None:
    """The solar date of a festival in `year` (a lunar festival in the lunar year starting in `year`).

    A lunar day 30 in a month of 29 days falls on day 29 (除夕 of a short twelfth month); a solar
    29 February falls on 28 February in common years. None when the date does not exist at all.
    """
    if calendar_kind == CalendarKind.LUNAR:
        for d in (day, day - 1):
            try:
                return LunarDate(year, month, d).to_solar_date()
            except ValueError:
                continue
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        if month == 2 and day == 29:
            return datetime.date(year, 2, 28)
        return None


def birthday_in(birthday: datetime.date, year: int) -> datetime.date:
    return solar_date(calendar_kind=CalendarKind.SOLAR, month=birthday.month, day=birthday.day, year=year)


def occurrences(*, calendar_kind: str, month: int, day: int, today: datetime.date, lead_days: int
                ) -> list[datetime.date]:
    """The dates of a yearly occasion for which a reminder is due on `today`: those between
    `today` and `today + lead_days` (the year may turn in between)."""
    out = []
    for year in (today.year - 1, today.year, today.year + 1):
        when = solar_date(calendar_kind=calendar_kind, month=month, day=day, year=year)
        if when is not None and today <= when <= today + datetime.timedelta(days=lead_days):
            out.append(when)
    return out


def is_large_order(*, value: Decimal, units: int, min_value: Decimal | None, min_units: int | None) -> bool:
    """An order is large when it reaches either threshold that is set."""
    return (min_value is not None and value >= min_value) or (min_units is not None and units >= min_units)


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render_message(template: str, *, contact: str, company: str) -> str:
    """The greeting with {contact} and {company} filled in; other braces are left as they are."""
    try:
        return template.format_map(_Blank(contact=contact, company=company))
    except (ValueError, IndexError):
        return template.replace("{contact}", contact).replace("{company}", company)
