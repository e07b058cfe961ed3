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
from django.db.models import F, Q
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


def _installed(label: str) -> bool:
    try:
        apps.get_app_config(label)
    except LookupError:
        return False
    from django.db import connection

    model = {"service": "complaint", "incidents": "incident", "followups": "followup"}[label]
    return f"{label}_{model}" in connection.introspection.table_names()


def targets() -> dict[str, Decimal]:
    return dict(KpiTarget.objects.values_list("code", "target"))


def weights() -> dict[str, int]:
    stored = dict(AppraisalWeight.objects.values_list("component", "weight"))
    return {c: stored.get(c, DEFAULT_WEIGHTS[c]) for c in Component.values} if stored else dict(DEFAULT_WEIGHTS)


# ---- service KPIs ---------------------------------------------------------------------------

def _shipped_orders(*, user, period, customers):
    from depot.orders.choices import OUTBOUND_ENDED_STATES
    from depot.orders.selectors import outbound_list

    start, end = _bounds(period)
    qs = (outbound_list(user=user).exclude(state__in=OUTBOUND_ENDED_STATES)
          .filter(shipped_at__gte=start, shipped_at__lt=end))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return qs


def _order_flags(*, user, period, customers) -> tuple[list[dict], dict]:
    """Per order shipped in the period: on time, complete, damage-free, accurate; and which of
    the last two could not be told (their app is not there)."""
    from depot.orders.models import OutboundLine

    orders = list(_shipped_orders(user=user, period=period, customers=customers).values("pk", "due_at", "shipped_at"))
    ids = [o["pk"] for o in orders]
    incomplete = set(OutboundLine.objects.filter(order_id__in=ids, quantity__isnull=False)
                     .filter(shipped__lt=F("quantity")).values_list("order_id", flat=True))
    has_lines = set(OutboundLine.objects.filter(order_id__in=ids, quantity__isnull=False)
                    .values_list("order_id", flat=True))
    missing = {}
    damaged: set = set()
    inaccurate: set = set()
    if _installed("incidents"):
        from depot.incidents.choices import IncidentKind, IncidentState
        from depot.incidents.models import Incident

        damaged |= set(Incident.objects.filter(order_id__in=ids, kind=IncidentKind.DAMAGE)
                       .exclude(state=IncidentState.VOIDED).values_list("order_id", flat=True))
    else:
        missing["damage"] = _("货损货丢模块尚未启用")
    if _installed("service"):
        from depot.service.choices import ComplaintCategory
        from depot.service.models import Complaint

        through = Complaint.orders.through
        damaged |= set(through.objects.filter(outboundorder_id__in=ids, complaint__category=ComplaintCategory.DAMAGE)
                       .values_list("outboundorder_id", flat=True))
        inaccurate |= set(through.objects.filter(outboundorder_id__in=ids, complaint__category__in=[
            ComplaintCategory.WRONG_GOODS, ComplaintCategory.BILLING]).values_list("outboundorder_id", flat=True))
    else:
        missing["accuracy"] = _("投诉模块尚未启用，单证差错无记录")
    flags = []
    for o in orders:
        flags.append({
            "pk": o["pk"],
            "on_time": o["due_at"] is None or o["shipped_at"] <= o["due_at"],
            "complete": o["pk"] in has_lines and o["pk"] not in incomplete,
            "damage_free": o["pk"] not in damaged,
            "accurate": o["pk"] not in inaccurate,
        })
    return flags, missing


def _order_lines(*, user, period, customers) -> tuple[int, int]:
    from depot.orders.models import OutboundLine

    lines = OutboundLine.objects.filter(order__in=_shipped_orders(user=user, period=period, customers=customers),
                                        quantity__isnull=False)
    return lines.filter(shipped__gte=F("quantity")).count(), lines.count()


def _count_lines(*, user, period, customers) -> tuple[int, int]:
    from depot.customers.selectors import customer_list
    from depot.inventory.choices import CountState
    from depot.inventory.models import CountLine

    start, end = _bounds(period)
    lines = CountLine.objects.filter(count__state=CountState.APPROVED, count__decided_at__gte=start,
                                     count__decided_at__lt=end, item__owner__in=customer_list(user=user))
    if customers is not None:
        lines = lines.filter(item__owner__in=customers)
    return lines.filter(counted=F("expected")).count(), lines.count()


def _dock_to_stock(*, user, period, customers) -> list[datetime.timedelta]:
    from depot.orders.selectors import inbound_list

    start, end = _bounds(period)
    qs = inbound_list(user=user).filter(put_away_at__gte=start, put_away_at__lt=end, receiving_at__isnull=False)
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return [p - r for r, p in qs.values_list("receiving_at", "put_away_at")]


def _complaints(*, user, customers):
    from depot.customers.selectors import customer_list
    from depot.service.models import Complaint

    qs = Complaint.objects.filter(customer__in=customer_list(user=user))
    if customers is not None:
        qs = qs.filter(customer__in=customers)
    return qs


def service_kpis(*, user, period, customers=None, now=None) -> list[Kpi]:
    """Every service KPI of `period` (first day, last day), for all customers the user may see or
    for `customers`, each with its target."""
    from depot.orders.selectors import on_time_rate
    from depot.surveys.selectors import csat_nps

    wanted = targets()
    out: list[Kpi] = []
    no_orders = _("本期没有发货的出库单")

    rate = on_time_rate(user=user, customers=customers, period=period, now=now)
    out.append(Kpi(ServiceKpi.ON_TIME_SHIPMENT, policy.pct(rate.on_time, rate.total), rate.on_time, rate.total,
                   "" if rate.total else _("本期没有到期的出库单")))

    complete, lines = _order_lines(user=user, period=period, customers=customers)
    out.append(Kpi(ServiceKpi.FILL_RATE, policy.pct(complete, lines), complete, lines, "" if lines else no_orders))

    flags, missing = _order_flags(user=user, period=period, customers=customers)
    n = len(flags)
    for code, key, gap in ((ServiceKpi.DAMAGE_FREE, "damage_free", "damage"),
                           (ServiceKpi.DOC_ACCURACY, "accurate", "accuracy")):
        good = sum(1 for f in flags if f[key])
        if gap in missing:
            out.append(Kpi(code, None, None, n, missing[gap]))
        else:
            out.append(Kpi(code, policy.pct(good, n), good, n, "" if n else no_orders))
    if missing:
        out.append(Kpi(ServiceKpi.PERFECT_ORDER, None, None, n, "；".join(missing.values())))
    else:
        perfect = sum(1 for f in flags if f["on_time"] and f["complete"] and f["damage_free"] and f["accurate"])
        out.append(Kpi(ServiceKpi.PERFECT_ORDER, policy.pct(perfect, n), perfect, n, "" if n else no_orders))

    right, counted = _count_lines(user=user, period=period, customers=customers)
    out.append(Kpi(ServiceKpi.INVENTORY_ACCURACY, policy.pct(right, counted), right, counted,
                   "" if counted else _("本期没有审批过账的盘点")))

    durations = _dock_to_stock(user=user, period=period, customers=customers)
    out.append(Kpi(ServiceKpi.DOCK_TO_STOCK, policy.average_hours(durations), None, len(durations),
                   "" if durations else _("本期没有完成上架的入库单")))

    if _installed("service"):
        start, end = _bounds(period)
        complaints = _complaints(user=user, customers=customers)
        first = [f - r for r, f in complaints.filter(received_at__gte=start, received_at__lt=end,
                                                     first_responded_at__isnull=False)
                 .values_list("received_at", "first_responded_at")]
        closed = [c - r for r, c in complaints.filter(closed_at__gte=start, closed_at__lt=end)
                  .values_list("received_at", "closed_at")]
        out.append(Kpi(ServiceKpi.COMPLAINT_FIRST_RESPONSE, policy.average_hours(first), None, len(first),
                       "" if first else _("本期没有已响应的投诉")))
        out.append(Kpi(ServiceKpi.COMPLAINT_RESOLUTION, policy.average_hours(closed), None, len(closed),
                       "" if closed else _("本期没有关闭的投诉")))
    else:
        reason = _("投诉模块尚未启用")
        out.append(Kpi(ServiceKpi.COMPLAINT_FIRST_RESPONSE, None, reason=reason))
        out.append(Kpi(ServiceKpi.COMPLAINT_RESOLUTION, None, reason=reason))

    from depot.customers.selectors import customer_list

    survey = csat_nps(customers=customers if customers is not None else customer_list(user=user), period=period)
    no_answers = _("本期没有满意度答卷")
    out.append(Kpi(ServiceKpi.CSAT, survey["csat"], None, survey["responses"], "" if survey["csat"] is not None
                   else no_answers))
    out.append(Kpi(ServiceKpi.NPS, survey["nps"], None, survey["responses"], "" if survey["nps"] is not None
                   else no_answers))
    for kpi in out:
        kpi.target = wanted.get(kpi.code)
    return out


def service_kpi_trend(*, user, year: int, month: int, months: int = 6, customers=None) -> list[dict]:
    """`service_kpis` of the `months` months up to (year, month): [{"month": "2026-05", "kpis": {code: Kpi}}]."""
    out = []
    for y, m in policy.previous_months(year, month, months):
        kpis = service_kpis(user=user, period=policy.month_period(y, m), customers=customers)
        out.append({"month": f"{y}-{m:02d}", "kpis": {k.code: k for k in kpis}})
    return out


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
    - satisfaction (CSAT, NPS) of the responses of customers they were responsible for."""
    from depot.orders.selectors import on_time_rates
    from depot.surveys.selectors import csat_nps

    now = now or timezone.now()
    people = list(staff) if staff is not None else list(staff_members())
    start, end = _bounds(period)
    orders = on_time_rates(user=user, by="staff", period=period, now=now)
    has_service, has_followups = _installed("service"), _installed("followups")
    out = []
    for person in people:
        row = StaffKpis(staff=person)
        rate = orders.get(person.pk)
        if rate is not None:
            row.orders, row.order_on_time = rate.total, policy.pct(rate.on_time, rate.total)
        durations = []
        if has_service:
            from depot.service.models import Inquiry

            complaints = _complaints(user=user, customers=None).filter(assignee=person)
            closed = complaints.filter(closed_at__gte=start, closed_at__lt=end)
            row.complaints_handled = closed.count()
            row.complaint_on_time = policy.pct(closed.filter(closed_at__lte=F("resolution_due")).count(),
                                               row.complaints_handled)
            durations += [f - r for r, f in complaints.filter(received_at__gte=start, received_at__lt=end,
                                                              first_responded_at__isnull=False)
                          .values_list("received_at", "first_responded_at")]
            durations += [a - r for r, a in Inquiry.objects.filter(owner=person, received_at__gte=start,
                                                                   received_at__lt=end, answered_at__isnull=False)
                          .values_list("received_at", "answered_at")]
        else:
            row.missing.append(_("投诉与沟通记录模块尚未启用"))
        row.first_responses = len(durations)
        row.first_response_hours = policy.average_hours(durations)
        if has_followups:
            from depot.followups.choices import FollowUpState
            from depot.followups.models import FollowUp

            today = timezone.localdate(now)
            due = (FollowUp.objects.filter(assignee=person, planned_on__gte=period[0], planned_on__lte=period[1])
                   .exclude(state=FollowUpState.CANCELLED)
                   .filter(Q(state=FollowUpState.DONE) | Q(planned_on__lt=today)))
            done_dates = [timezone.localdate(d) if d else None
                          for d, _p in due.values_list("done_at", "planned_on")]
            planned = list(due.values_list("planned_on", flat=True))
            on_time = sum(1 for d, p in zip(done_dates, planned, strict=True) if d is not None and d <= p)
            row.followups_due = len(planned)
            row.followup_on_time = policy.pct(on_time, len(planned))
        else:
            row.missing.append(_("回访模块尚未启用"))
        survey = csat_nps(responsible=person, period=period)
        row.satisfaction, row.nps, row.survey_responses = survey["csat"], survey["nps"], survey["responses"]
        out.append(row)
    return out


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
