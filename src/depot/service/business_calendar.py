"""Business time: working periods per weekday, public holidays and 调休 workdays.

Pure: `BusinessCalendar` holds plain values and does not touch the database (`calendar_load` in
`selectors` builds one from the tables). Times are computed in the calendar's time zone
(Asia/Shanghai has no daylight saving time, so local wall-clock arithmetic is exact).

A moment counts as inside working time when it lies in a closed period [start, end]: a deadline
may fall exactly at 18:00, the end of a working day.
"""

import dataclasses
import datetime
from decimal import Decimal

MAX_DAYS = 3660  # a calendar without any working day would loop forever


class NoWorkingTime(ValueError):
    """The calendar has no working time to add hours to."""


Period = tuple[datetime.time, datetime.time]


def hours_to_delta(hours) -> datetime.timedelta:
    """Business hours (int, Decimal or str) as an exact timedelta, to the microsecond."""
    micro = (Decimal(str(hours)) * 3600 * 1_000_000).to_integral_value()
    return datetime.timedelta(microseconds=int(micro))


def delta_to_hours(delta: datetime.timedelta) -> Decimal:
    return (Decimal(delta // datetime.timedelta(microseconds=1)) / Decimal(3600 * 1_000_000)).quantize(
        Decimal("0.01"))


@dataclasses.dataclass(frozen=True)
class BusinessCalendar:
    periods: dict[int, tuple[Period, ...]]  # weekday (0 = Monday) -> working periods, sorted
    tz: datetime.tzinfo
    holidays: frozenset[datetime.date] = frozenset()
    workdays: frozenset[datetime.date] = frozenset()  # 调休: weekend days worked with Monday's periods

    def periods_on(self, day: datetime.date) -> tuple[Period, ...]:
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.periods.get(0) or next((p for _, p in sorted(self.periods.items()) if p), ())
        return self.periods.get(day.weekday(), ())

    def _intervals_from(self, day: datetime.date):
        """(start, end) local naive datetimes of the working periods from `day` on, in order."""
        for offset in range(MAX_DAYS):
            d = day + datetime.timedelta(days=offset)
            for start, end in self.periods_on(d):
                yield datetime.datetime.combine(d, start), datetime.datetime.combine(d, end)
        raise NoWorkingTime("no working time within ten years")

    def _local(self, moment: datetime.datetime) -> datetime.datetime:
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def _aware(self, local: datetime.datetime) -> datetime.datetime:
        return local.replace(tzinfo=self.tz)

    def is_working(self, moment: datetime.datetime) -> bool:
        local = self._local(moment)
        return any(datetime.datetime.combine(local.date(), s) <= local <= datetime.datetime.combine(local.date(), e)
                   for s, e in self.periods_on(local.date()))

    def add(self, start: datetime.datetime, hours) -> datetime.datetime:
        """The moment `hours` business hours after `start` (never in non-working time)."""
        remaining = hours if isinstance(hours, datetime.timedelta) else hours_to_delta(hours)
        if remaining < datetime.timedelta(0):
            raise ValueError("hours must not be negative")
        local = self._local(start)
        for p_start, p_end in self._intervals_from(local.date() - datetime.timedelta(days=1)):
            if p_end < local:
                continue
            begin = max(p_start, local)
            if remaining == datetime.timedelta(0):
                return self._aware(begin)
            available = p_end - begin
            if remaining <= available:
                return self._aware(begin + remaining)
            remaining -= available
        raise NoWorkingTime("unreachable")  # pragma: no cover

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Business time from `start` to `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.between(end, start)
        a, b = self._local(start), self._local(end)
        total = datetime.timedelta(0)
        day = a.date()
        while day <= b.date():
            for p_start, p_end in self.periods_on(day):
                lo = max(a, datetime.datetime.combine(day, p_start))
                hi = min(b, datetime.datetime.combine(day, p_end))
                if hi > lo:
                    total += hi - lo
            day += datetime.timedelta(days=1)
        return total
