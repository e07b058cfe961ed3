"""Service KPIs (per customer and overall, per period) and staff KPIs, computed from the source
records every time — never typed in. Formulas: docs/kpi.md and `policy`.

Each KPI comes back as a `Kpi` with its value (None = 暂无数据, with the reason), the counts it
was computed from, and the target a supervisor set. Scoping: only the customers the user may see
(`customers.selectors.customer_list`).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import BoolAnd
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.kpi import policy
from depot.kpi.choices import DEFAULT_WEIGHTS, LOWER_IS_BETTER, Component, ServiceKpi
from depot.kpi.models import AppraisalWeight, KpiTarget

PERCENT = "%"
HOURS = "h"
POINTS = "pt"

UNITS = {ServiceKpi.DOCK_TO_STOCK: HOURS, ServiceKpi.COMPLAINT_FIRST_RESPONSE: HOURS,
         ServiceKpi.COMPLAINT_RESOLUTION: HOURS, ServiceKpi.NPS: POINTS}
DEFAULT_RESPONSE_TARGET_HOURS = Decimal(4)


@dataclass
class Kpi:
    code: str
    value: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    reason: str = ""  # why there is no value
    target: Decimal | None = None

    @property
    def label(self) -> str:
        return str(ServiceKpi(self.code).label) if self.code in ServiceKpi.values else self.code

    @property
    def unit(self) -> str:
        return UNITS.get(self.code, PERCENT)

    @property
    def met(self) -> bool | None:
        return policy.target_met(self.code, self.value, self.target)

    @property
    def lower_is_better(self) -> bool:
        return self.code in LOWER_IS_BETTER

    def display(self) -> str:
        if self.value is None:
            return str(_("暂无数据"))
        if self.unit == HOURS:
            return _("%(v)s 小时") % {"v": self.value}
        if self.unit == POINTS:
            return str(self.value)
        return f"{self.value}%"


def _bounds(period) -> tuple[datetime.datetime, datetime.datetime]:
    start, end = period

    def moment(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return moment(start), moment(end + datetime.timedelta(days=1))


OPTIONAL_SOURCES = {"service": "complaint", "incidents": "incident", "followups": "followup"}


def _installed_apps() -> set[str]:
    """The optional source apps (`OPTIONAL_SOURCES`) that are installed and have their tables."""
    from django.db import connection

    tables = set(connection.introspection.table_names())
    out = set()
    for label, model in OPTIONAL_SOURCES.items():
        try:
            apps.get_app_config(label)
        except LookupError:
            continue
        if f"{label}_{model}" in tables:
            out.add(label)
    return out


def targets() -> dict[str, Decimal]:
    return dict(KpiTarget.objects.values_list("code", "target"))


def weights() -> dict[str, int]:
    stored = dict(AppraisalWeight.objects.values_list("component", "weight"))
    return {c: stored.get(c, DEFAULT_WEIGHTS[c]) for c in Component.values} if stored else dict(DEFAULT_WEIGHTS)


# ---- service KPIs ---------------------------------------------------------------------------
#
# Each source is read once for all the periods asked for: its rows are labelled with the index of
# the period they fall in (`PERIOD`) and counted or summed per label in the database.

PERIOD = "kpi_period"


def _within(qs, field: str, periods) -> QuerySet:
    """`qs` narrowed to the rows whose `field` lies between the first start and the last end of `periods`."""
    bounds = [_bounds(p) for p in periods]
    return qs.filter(**{f"{field}__gte": min(s for s, _e in bounds), f"{field}__lt": max(e for _s, e in bounds)})


def _period_of(field: str, periods) -> Case:
    """The index in `periods` of the period `field` lies in (None between them)."""
    return Case(*(When(**{f"{field}__gte": start, f"{field}__lt": end}, then=Value(i))
                  for i, (start, end) in enumerate(_bounds(p) for p in periods)), default=None,
                output_field=IntegerField())


def _in_periods(qs, field: str, periods) -> QuerySet:
    """`qs` narrowed to the rows whose `field` lies in one of `periods`, each labelled `PERIOD`."""
    return _within(qs, field, periods).annotate(**{PERIOD: _period_of(field, periods)}).order_by()


def _per_period(qs, field: str, periods, **aggregates) -> list[dict]:
    """`aggregates` of the rows of `qs` in each period (a dict per period, in the order of `periods`)."""
    rows = {r[PERIOD]: r for r in _in_periods(qs, field, periods).values(PERIOD).annotate(**aggregates)}
    return [rows.get(i, {}) for i in range(len(periods))]


def _seconds(start: str, end: str) -> Func:
    return Func(F(end) - F(start), template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=DecimalField())


def _mean_hours(row: dict) -> Decimal | None:
    return policy.mean_hours(row.get("seconds") or 0, row.get("n") or 0)


def _shipped_orders(*, user, customers):
    from depot.orders.choices import OUTBOUND_ENDED_STATES
    from depot.orders.selectors import outbound_list

    qs = outbound_list(user=user).exclude(state__in=OUTBOUND_ENDED_STATES)
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return qs


def _linked(order_ids: list) -> ExpressionWrapper | Value:
    """Whether the order is among any of `order_ids` (querysets of order ids); False without any."""
    if not order_ids:
        return Value(False, output_field=BooleanField())
    linked = Q()
    for ids in order_ids:
        linked |= Q(pk__in=ids)
    return ExpressionWrapper(linked, output_field=BooleanField())


def _order_figures(*, user, periods, customers, installed) -> list[dict]:
    """Per period, over the outbound orders shipped in it: `orders`; their `lines` with a quantity
    and the `complete_lines` shipped in full; and the orders `damage_free`, `accurate` and
    `perfect` — on time, complete (lines with a quantity, all shipped in full), damage-free and
    accurate at once, judged per order. Damage and accuracy count as clean where their app is
    missing (the caller reports those as no data)."""
    damaged, inaccurate = [], []
    if "incidents" in installed:
        from depot.incidents.choices import IncidentKind, IncidentState
        from depot.incidents.models import Incident

        damaged.append(Incident.objects.filter(kind=IncidentKind.DAMAGE, order__isnull=False)
                       .exclude(state=IncidentState.VOIDED).values("order_id"))
    if "service" in installed:
        from depot.service.choices import ComplaintCategory
        from depot.service.models import Complaint

        through = Complaint.orders.through.objects
        damaged.append(through.filter(complaint__category=ComplaintCategory.DAMAGE).values("outboundorder_id"))
        inaccurate.append(through.filter(complaint__category__in=[
            ComplaintCategory.WRONG_GOODS, ComplaintCategory.BILLING]).values("outboundorder_id"))
    # Every figure of an order is an aggregate over its lines, so that the orders are grouped by
    # their key alone and read in key order, merged with their lines.
    orders = _within(_shipped_orders(user=user, customers=customers), "shipped_at", periods).order_by().annotate(
        **{PERIOD: Min(_period_of("shipped_at", periods))},
        kpi_lines=Count("lines__quantity"),
        kpi_complete_lines=Count("lines__quantity", filter=Q(lines__shipped__gte=F("lines__quantity"))),
        kpi_on_time=BoolAnd(Q(due_at__isnull=True) | Q(shipped_at__lte=F("due_at"))),
        kpi_damaged=BoolAnd(_linked(damaged)), kpi_inaccurate=BoolAnd(_linked(inaccurate)))
    aggregates = {}
    for i in range(len(periods)):
        mine = Q(**{PERIOD: i})
        aggregates |= {
            f"orders_{i}": Count("pk", filter=mine),
            f"lines_{i}": Sum("kpi_lines", filter=mine),
            f"complete_lines_{i}": Sum("kpi_complete_lines", filter=mine),
            f"damage_free_{i}": Count("pk", filter=mine & Q(kpi_damaged=False)),
            f"accurate_{i}": Count("pk", filter=mine & Q(kpi_inaccurate=False)),
            f"perfect_{i}": Count("pk", filter=mine & Q(kpi_on_time=True, kpi_lines__gt=0,
                                                        kpi_complete_lines=F("kpi_lines"), kpi_damaged=False,
                                                        kpi_inaccurate=False)),
        }
    totals = orders.aggregate(**aggregates)
    keys = ("orders", "lines", "complete_lines", "damage_free", "accurate", "perfect")
    return [{k: totals[f"{k}_{i}"] or 0 for k in keys} for i in range(len(periods))]


def _count_lines(*, user, periods, customers) -> list[dict]:
    from depot.customers.selectors import customer_list
    from depot.inventory.choices import CountState
    from depot.inventory.models import CountLine

    lines = CountLine.objects.filter(count__state=CountState.APPROVED, item__owner__in=customer_list(user=user))
    if customers is not None:
        lines = lines.filter(item__owner__in=customers)
    return _per_period(lines, "count__decided_at", periods, n=Count("pk"), right=Count("pk", filter=Q(
        counted=F("expected"))))


def _dock_to_stock(*, user, periods, customers) -> list[dict]:
    from depot.orders.selectors import inbound_list

    qs = inbound_list(user=user).filter(receiving_at__isnull=False)
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return _per_period(qs, "put_away_at", periods, n=Count("pk"), seconds=Sum(_seconds("receiving_at", "put_away_at")))


def _complaints(*, user, customers):
    from depot.customers.selectors import customer_list
    from depot.service.models import Complaint

    qs = Complaint.objects.filter(customer__in=customer_list(user=user))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return qs


def _surveys(*, periods, customers) -> list[dict]:
    """`surveys.selectors.csat_nps` of each period, from score counts per period."""
    from depot.surveys.selectors import csat_nps_of_counts, scored_answers

    answers = scored_answers().filter(response__customer__in=customers)
    field = "response__submitted_at"
    counts = _in_periods(answers, field, periods).values(PERIOD, "question__kind", "score").annotate(n=Count("pk"))
    responses = _per_period(answers, field, periods, responses=Count("response", distinct=True))
    return [csat_nps_of_counts([r for r in counts if r[PERIOD] == i], responses[i].get("responses", 0))
            for i in range(len(periods))]


def service_kpis(*, user, period, customers=None, now=None) -> list[Kpi]:
    """Every service KPI of `period` (first day, last day), for all customers the user may see or
    for `customers`, each with its target."""
    return service_kpis_of_periods(user=user, periods=[period], customers=customers, now=now)[0]


def service_kpis_of_periods(*, user, periods, customers=None, now=None) -> list[list[Kpi]]:
    """`service_kpis` of each of `periods` (a few, not overlapping): each source is read once for
    all of them, except the on-time rate (`orders.selectors.on_time_rate`, one query per period)."""
    from depot.customers.selectors import customer_list
    from depot.orders.selectors import on_time_rate

    wanted = targets()
    installed = _installed_apps()
    orders = _order_figures(user=user, periods=periods, customers=customers, installed=installed)
    counts = _count_lines(user=user, periods=periods, customers=customers)
    dock = _dock_to_stock(user=user, periods=periods, customers=customers)
    if "service" in installed:
        complaints = _complaints(user=user, customers=customers)
        first = _per_period(complaints.filter(first_responded_at__isnull=False), "received_at", periods,
                            n=Count("pk"), seconds=Sum(_seconds("received_at", "first_responded_at")))
        closed = _per_period(complaints, "closed_at", periods, n=Count("pk"),
                             seconds=Sum(_seconds("received_at", "closed_at")))
    surveys = _surveys(periods=periods, customers=customers if customers is not None else customer_list(user=user))
    no_orders = _("本期没有发货的出库单")
    missing = {}
    if "incidents" not in installed:
        missing["damage"] = _("货损货丢模块尚未启用")
    if "service" not in installed:
        missing["accuracy"] = _("投诉模块尚未启用，单证差错无记录")

    result = []
    for i, period in enumerate(periods):
        out: list[Kpi] = []
        rate = on_time_rate(user=user, customers=customers, period=period, now=now)
        out.append(Kpi(ServiceKpi.ON_TIME_SHIPMENT, policy.pct(rate.on_time, rate.total), rate.on_time, rate.total,
                       "" if rate.total else _("本期没有到期的出库单")))

        o = orders[i]
        complete, lines = o["complete_lines"], o["lines"]
        out.append(Kpi(ServiceKpi.FILL_RATE, policy.pct(complete, lines), complete, lines,
                       "" if lines else no_orders))
        n = o["orders"]
        for code, good, gap in ((ServiceKpi.DAMAGE_FREE, o["damage_free"], "damage"),
                                (ServiceKpi.DOC_ACCURACY, o["accurate"], "accuracy")):
            if gap in missing:
                out.append(Kpi(code, None, None, n, missing[gap]))
            else:
                out.append(Kpi(code, policy.pct(good, n), good, n, "" if n else no_orders))
        if missing:
            out.append(Kpi(ServiceKpi.PERFECT_ORDER, None, None, n, "；".join(missing.values())))
        else:
            out.append(Kpi(ServiceKpi.PERFECT_ORDER, policy.pct(o["perfect"], n), o["perfect"], n,
                           "" if n else no_orders))

        right, counted = counts[i].get("right", 0), counts[i].get("n", 0)
        out.append(Kpi(ServiceKpi.INVENTORY_ACCURACY, policy.pct(right, counted), right, counted,
                       "" if counted else _("本期没有审批过账的盘点")))

        docked = dock[i].get("n", 0)
        out.append(Kpi(ServiceKpi.DOCK_TO_STOCK, _mean_hours(dock[i]), None, docked,
                       "" if docked else _("本期没有完成上架的入库单")))

        if "service" in installed:
            responded, resolved = first[i].get("n", 0), closed[i].get("n", 0)
            out.append(Kpi(ServiceKpi.COMPLAINT_FIRST_RESPONSE, _mean_hours(first[i]), None, responded,
                           "" if responded else _("本期没有已响应的投诉")))
            out.append(Kpi(ServiceKpi.COMPLAINT_RESOLUTION, _mean_hours(closed[i]), None, resolved,
                           "" if resolved else _("本期没有关闭的投诉")))
        else:
            reason = _("投诉模块尚未启用")
            out.append(Kpi(ServiceKpi.COMPLAINT_FIRST_RESPONSE, None, reason=reason))
            out.append(Kpi(ServiceKpi.COMPLAINT_RESOLUTION, None, reason=reason))

        survey = surveys[i]
        no_answers = _("本期没有满意度答卷")
        out.append(Kpi(ServiceKpi.CSAT, survey["csat"], None, survey["responses"], "" if survey["csat"] is not None
                       else no_answers))
        out.append(Kpi(ServiceKpi.NPS, survey["nps"], None, survey["responses"], "" if survey["nps"] is not None
                       else no_answers))
        for kpi in out:
            kpi.target = wanted.get(kpi.code)
        result.append(out)
    return result


def service_kpi_trend(*, user, year: int, month: int, months: int = 6, customers=None) -> list[dict]:
    """`service_kpis` of the `months` months up to (year, month): [{"month": "2026-05", "kpis": {code: Kpi}}]."""
    year_months = policy.previous_months(year, month, months)
    kpis = service_kpis_of_periods(user=user, periods=[policy.month_period(y, m) for y, m in year_months],
                                   customers=customers)
    return [{"month": f"{y}-{m:02d}", "kpis": {k.code: k for k in month_kpis}}
            for (y, m), month_kpis in zip(year_months, kpis, strict=True)]


# ---- staff KPIs -----------------------------------------------------------------------------

@dataclass
class StaffKpis:
    staff: object
    order_on_time: Decimal | None = None
    orders: int = 0
    complaints_handled: int = 0
    complaint_on_time: Decimal | None = None
    first_response_hours: Decimal | None = None
    first_responses: int = 0
    followups_due: int = 0
    followup_on_time: Decimal | None = None
    satisfaction: Decimal | None = None
    nps: Decimal | None = None
    survey_responses: int = 0
    missing: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.staff.first_name or self.staff.get_username()

    def figures(self) -> dict:
        """The appraisal components with data (`Component` → value)."""
        return {Component.ORDER_ON_TIME: self.order_on_time, Component.COMPLAINT_ON_TIME: self.complaint_on_time,
                Component.FIRST_RESPONSE: self.first_response_hours,
                Component.FOLLOWUP_ON_TIME: self.followup_on_time, Component.SATISFACTION: self.satisfaction}


def staff_members():
    from depot.core import roles

    return (get_user_model().objects.filter(is_active=True, groups__name__in=[
        roles.CS_SPECIALIST, roles.CS_SUPERVISOR, roles.WAREHOUSE_KEEPER]).distinct().order_by("username"))


def staff_kpis(*, user, period, staff=None, now=None) -> list[StaffKpis]:
    """The staff KPIs of `period` for every staff member (or the given ones):

    - order on-time processing rate: outbound orders due in the period that the person handled at
      any step, shipped by their due time (orders.selectors.on_time_rates by staff);
    - complaints handled: complaints assigned to them closed in the period, and the share closed
      by the resolution deadline in force;
    - average first-response time of the inquiries they own and the complaints assigned to them,
      received in the period (hours);
    - follow-ups on time: their follow-ups planned in the period and due (done, or the planned day
      passed), done on or before the planned day;
    - satisfaction (CSAT, NPS) of the responses of customers they were responsible for.

    Each figure is read for all the people at once, grouped by person."""
    from depot.orders.selectors import on_time_rates

    now = now or timezone.now()
    people = list(staff) if staff is not None else list(staff_members())
    start, end = _bounds(period)
    orders = on_time_rates(user=user, by="staff", period=period, now=now)
    installed = _installed_apps()
    handled, responses = {}, {}
    if "service" in installed:
        from depot.service.models import Inquiry

        complaints = _complaints(user=user, customers=None).filter(assignee__in=people)
        handled = _by_person(complaints.filter(closed_at__gte=start, closed_at__lt=end), "assignee",
                             n=Count("pk"), on_time=Count("pk", filter=Q(closed_at__lte=F("resolution_due"))))
        answered = [
            _by_person(complaints.filter(received_at__gte=start, received_at__lt=end, first_responded_at__isnull=False),
                       "assignee", n=Count("pk"), seconds=Sum(_seconds("received_at", "first_responded_at"))),
            _by_person(Inquiry.objects.filter(owner__in=people, received_at__gte=start, received_at__lt=end,
                                              answered_at__isnull=False),
                       "owner", n=Count("pk"), seconds=Sum(_seconds("received_at", "answered_at")))]
        for person in people:
            rows = [a.get(person.pk, {}) for a in answered]
            responses[person.pk] = {"n": sum(r.get("n", 0) for r in rows),
                                    "seconds": sum((r.get("seconds") or 0 for r in rows), Decimal(0))}
    followups = {}
    if "followups" in installed:
        from depot.followups.choices import FollowUpState
        from depot.followups.models import FollowUp

        today = timezone.localdate(now)
        due = (FollowUp.objects.filter(assignee__in=people, planned_on__gte=period[0], planned_on__lte=period[1])
               .exclude(state=FollowUpState.CANCELLED)
               .filter(Q(state=FollowUpState.DONE) | Q(planned_on__lt=today)))
        followups = _by_person(due, "assignee", n=Count("pk"), on_time=Count("pk", filter=Q(
            done_at__isnull=False, done_at__date__lte=F("planned_on"))))
    surveys = _surveys_by_person(people=people, period=period)
    out = []
    for person in people:
        row = StaffKpis(staff=person)
        rate = orders.get(person.pk)
        if rate is not None:
            row.orders, row.order_on_time = rate.total, policy.pct(rate.on_time, rate.total)
        if "service" in installed:
            closed = handled.get(person.pk, {})
            row.complaints_handled = closed.get("n", 0)
            row.complaint_on_time = policy.pct(closed.get("on_time", 0), row.complaints_handled)
            row.first_responses = responses[person.pk]["n"]
            row.first_response_hours = _mean_hours(responses[person.pk])
        else:
            row.missing.append(_("投诉与沟通记录模块尚未启用"))
        if "followups" in installed:
            mine = followups.get(person.pk, {})
            row.followups_due = mine.get("n", 0)
            row.followup_on_time = policy.pct(mine.get("on_time", 0), row.followups_due)
        else:
            row.missing.append(_("回访模块尚未启用"))
        survey = surveys[person.pk]
        row.satisfaction, row.nps, row.survey_responses = survey["csat"], survey["nps"], survey["responses"]
        out.append(row)
    return out


def _by_person(qs, field: str, **aggregates) -> dict:
    """`aggregates` of the rows of `qs` per value of `field` (a user): {user pk: {name: value}}."""
    return {r[field]: r for r in qs.order_by().values(field).annotate(**aggregates)}


def _surveys_by_person(*, people, period) -> dict:
    """`surveys.selectors.csat_nps(responsible=…)` of each person, from score counts per person."""
    from depot.surveys.selectors import csat_nps_of_counts, scored_answers

    start, end = _bounds(period)
    answers = scored_answers().filter(response__responsible__in=people, response__submitted_at__gte=start,
                                      response__submitted_at__lt=end).order_by()
    field = "response__responsible"
    counts = list(answers.values(field, "question__kind", "score").annotate(n=Count("pk")))
    responses = _by_person(answers, field, responses=Count("response", distinct=True))
    return {p.pk: csat_nps_of_counts([r for r in counts if r[field] == p.pk],
                                     responses.get(p.pk, {}).get("responses", 0))
            for p in people}


def response_target_hours() -> Decimal:
    return targets().get(ServiceKpi.COMPLAINT_FIRST_RESPONSE, DEFAULT_RESPONSE_TARGET_HOURS)


# ---- appraisal and training -----------------------------------------------------------------

def appraisal_history(*, user, staff):
    from depot.kpi.models import Appraisal

    if not (user.is_active and (user.has_perm("kpi.view_appraisal") or user.pk == staff.pk)):
        return Appraisal.objects.none()
    return Appraisal.objects.filter(staff=staff).order_by("-period_start", "period_kind")


def training_record(*, user, staff) -> dict:
    """A person's training: every session attended with hours and result, and the total hours."""
    from depot.kpi.models import TrainingRecord

    if not (user.is_active and (user.has_perm("kpi.view_trainingrecord") or user.pk == staff.pk)):
        return {"records": [], "hours": Decimal(0)}
    records = list(TrainingRecord.objects.filter(staff=staff).select_related("session", "session__course")
                   .order_by("-session__held_on", "id"))
    return {"records": records, "hours": sum((r.hours for r in records), Decimal(0))}
