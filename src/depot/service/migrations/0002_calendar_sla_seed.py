"""Working hours (Mon–Fri 09:00–18:00), China's official public holidays and 调休 workdays of 2025 and
2026 (国务院办公厅 notices), default SLA policies, and the sequence of complaint codes."""

import datetime
from decimal import Decimal

from django.db import migrations

HOLIDAYS = {
    2025: [
        ("元旦", "2025-01-01", "2025-01-01", []),
        ("春节", "2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
        ("清明节", "2025-04-04", "2025-04-06", []),
        ("劳动节", "2025-05-01", "2025-05-05", ["2025-04-27"]),
        ("端午节", "2025-05-31", "2025-06-02", []),
        ("国庆节、中秋节", "2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
    ],
    2026: [
        ("元旦", "2026-01-01", "2026-01-03", ["2026-01-04"]),
        ("春节", "2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
        ("清明节", "2026-04-04", "2026-04-06", []),
        ("劳动节", "2026-05-01", "2026-05-05", ["2026-05-09"]),
        ("端午节", "2026-06-19", "2026-06-21", []),
        ("中秋节", "2026-09-25", "2026-09-27", []),
        ("国庆节", "2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
    ],
}

# (grade, severity) -> (first response, resolution) in business hours
SLA = {
    "VIP": {"critical": (1, 8), "high": (2, 16), "medium": (4, 24), "low": (8, 40)},
    "A": {"critical": (2, 16), "high": (4, 24), "medium": (8, 40), "low": (8, 40)},
    "B": {"critical": (4, 24), "high": (8, 40), "medium": (8, 40), "low": (16, 72)},
    "C": {"critical": (4, 24), "high": (8, 40), "medium": (16, 72), "low": (24, 72)},
}
WARNING = {"critical": Decimal("0.5"), "high": Decimal("1"), "medium": Decimal("2"), "low": Decimal("4")}


def _days(first: str, last: str):
    day, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def seed(apps, schema_editor):
    """Fill each table that is empty (a new database, or one emptied by `flush`); tables that hold
    rows, possibly edited by a supervisor, are left alone."""
    WorkingHours = apps.get_model("service", "WorkingHours")
    CalendarDay = apps.get_model("service", "CalendarDay")
    SlaPolicy = apps.get_model("service", "SlaPolicy")
    if not WorkingHours.objects.exists():
        WorkingHours.objects.bulk_create(
            WorkingHours(weekday=weekday, start=datetime.time(9), end=datetime.time(18)) for weekday in range(5))
    if not CalendarDay.objects.exists():
        days = {}
        for periods in HOLIDAYS.values():
            for name, first, last, workdays in periods:
                for day in _days(first, last):
                    days[day] = CalendarDay(date=day, kind="holiday", name=name)
                for day in workdays:
                    day = datetime.date.fromisoformat(day)
                    days[day] = CalendarDay(date=day, kind="workday", name=f"{name}调休")
        CalendarDay.objects.bulk_create(days.values())
    if not SlaPolicy.objects.exists():
        SlaPolicy.objects.bulk_create(
            SlaPolicy(grade=grade, severity=severity, first_response_hours=Decimal(first),
                      resolution_hours=Decimal(resolution), warning_hours=WARNING[severity])
            for grade, by_severity in SLA.items() for severity, (first, resolution) in by_severity.items())


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="CREATE SEQUENCE IF NOT EXISTS service_complaint_code_seq",
            reverse_sql="DROP SEQUENCE IF EXISTS service_complaint_code_seq",
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
