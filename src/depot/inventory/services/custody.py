"""Custody (保管养护): inspection plans and inspections, temperature/humidity readings and the
alerts they open. Readings come from the back office or, through the API, from sensors:
`reading_record` is the one entry point for both."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, ValidationFailed
from depot.core.permissions import require_perm
from depot.inventory import policy
from depot.inventory.choices import AlertState, InspectionResult, ReadingSource, TemperatureClass
from depot.inventory.models import (
    EnvironmentAlert,
    EnvironmentReading,
    Inspection,
    InspectionPlan,
    Warehouse,
    Zone,
)
from depot.inventory.models_custody import HUMIDITY_LIMITS, TEMPERATURE_LIMITS

PLAN_FIELDS = ("title", "zone", "storage_class", "frequency_days", "checklist", "next_due", "responsible",
               "is_active")
# A clock a few minutes fast (a sensor, a phone) is not a reading from the future.
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None


def _check_plan(plan: InspectionPlan) -> None:
    errors: dict[str, list[str]] = {}
    if bool(plan.zone_id) == bool(plan.storage_class):
        errors["zone"] = [_("请选择库区或货品存储温层（二选一）")]
    elif plan.zone_id and plan.zone.warehouse_id != plan.warehouse_id:
        errors["zone"] = [_("库区不属于所选仓库")]
    if plan.storage_class and plan.storage_class not in TemperatureClass.values:
        errors["storage_class"] = [_("未知的存储温层")]
    responsible = plan.responsible if plan.responsible_id else None
    if responsible is not None and not (responsible.is_active
                                        and responsible.has_perm("inventory.add_inspection")):
        errors["responsible"] = [_("负责人须是可以录入养护检查的在职人员")]
    if errors:
        raise ValidationFailed(details=errors)


def _assign(plan: InspectionPlan, data: dict) -> None:
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationFailed(details={f: [_("不能在此设置该字段")] for f in sorted(unknown)})
    for name, value in data.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    if plan.storage_class is None:
        plan.storage_class = ""


@transaction.atomic
def inspection_plan_create(*, actor, warehouse: Warehouse, data: dict) -> InspectionPlan:
    """Plan recurring inspections of one zone, or of every zone of `warehouse` holding goods of one
    storage class: checklist, frequency, first due date and the person responsible.
    Raises ValidationFailed (no scope or both, zone of another warehouse, bad values). Audited."""
    require_perm(actor, "inventory.add_inspectionplan")
    plan = InspectionPlan(warehouse=warehouse, created_by=actor)
    _assign(plan, data)
    _check_plan(plan)
    _clean(plan)
    plan.save()
    audit_record(actor=actor, obj=plan, action=ACTION_CREATE, after=snapshot(plan, ("warehouse",) + PLAN_FIELDS))
    return plan


@transaction.atomic
def inspection_plan_update(*, actor, plan: InspectionPlan, data: dict) -> InspectionPlan:
    require_perm(actor, "inventory.change_inspectionplan")
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    before = snapshot(plan, PLAN_FIELDS)
    _assign(plan, data)
    _check_plan(plan)
    _clean(plan)
    plan.save()
    audit_record(actor=actor, obj=plan, action=ACTION_UPDATE, before=before, after=snapshot(plan, PLAN_FIELDS))
    return plan


def _moment(value, field: str) -> datetime.datetime:
    now = timezone.now()
    if value is None:
        return now
    if not isinstance(value, datetime.datetime):
        raise ValidationFailed(details={field: [_("时间格式不正确")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_TOLERANCE:
        raise ValidationFailed(details={field: [_("时间不能晚于当前时间")]})
    return value


@transaction.atomic
def inspection_record(*, actor, plan: InspectionPlan, result: str, findings: str = "", done_at=None,
                      photo=None) -> Inspection:
    """Record an inspection of a due plan and move its next due date to one period after the day
    it was done. Refused with nothing changed when the plan is not due yet (IllegalTransition), is
    not active, or the result is incomplete (issues without findings, a time in the future).
    Locks the plan row, so the same due inspection is not recorded twice."""
    require_perm(actor, "inventory.add_inspection")
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    errors: dict[str, list[str]] = {}
    if result not in InspectionResult.values:
        errors["result"] = [_("请选择检查结果")]
    findings = (findings or "").strip()
    if result == InspectionResult.ISSUES and not findings:
        errors["findings"] = [_("发现问题时请填写检查记录")]
    if errors:
        raise ValidationFailed(details=errors)
    done_at = _moment(done_at, "done_at")
    done_on = timezone.localdate(done_at)
    if not plan.is_active:
        raise IllegalTransition(_("检查计划“%(plan)s”已停用") % {"plan": plan})
    if not policy.inspection_is_due(plan.next_due, done_on):
        raise IllegalTransition(_("检查计划“%(plan)s”下次检查日期为%(due)s，尚未到期，不能录入检查结果") % {
            "plan": plan, "due": plan.next_due.isoformat()})
    inspection = Inspection(plan=plan, due_date=plan.next_due, done_at=done_at, done_by=actor, result=result,
                            findings=findings)
    if photo:
        inspection.photo = photo
    inspection.save()
    before = snapshot(plan, ("next_due",))
    plan.next_due = policy.next_inspection_due(done_on, plan.frequency_days)
    plan.save(update_fields=["next_due"])
    audit_record(actor=actor, obj=plan, action="inspect", before=before, after=snapshot(plan, ("next_due",)),
                 note=f"{inspection.get_result_display()}{'：' + findings if findings else ''}"[:500], force=True)
    return inspection


# --- readings -------------------------------------------------------------------------------------


def _measure(value, field: str, limits: tuple[int, int], label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed(details={field: [_("%(label)s必须是数字") % {"label": label}]})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(details={field: [_("%(label)s必须是数字") % {"label": label}]}) from None
    if not number.is_finite() or not limits[0] <= number <= limits[1]:
        raise ValidationFailed(details={field: [_("%(label)s%(value)s不可能出现，有效范围为%(lo)s～%(hi)s") % {
            "label": label, "value": value, "lo": limits[0], "hi": limits[1]}]})
    return number.quantize(Decimal("0.1"))


@transaction.atomic
def reading_record(*, actor, zone: Zone, temperature=None, humidity=None, measured_at=None,
                   source: str = ReadingSource.MANUAL, sensor_id: str = "") -> EnvironmentReading:
    """Store a temperature (℃) and/or relative humidity (%RH) reading of `zone`.

    Refuses impossible values (temperature outside −60…80 ℃, humidity outside 0…100 %RH, neither
    given, a time in the future, a sensor reading without sensor id) with ValidationFailed and
    nothing stored. The same sensor's reading for the same zone and time is stored once: posting it
    again returns the stored one. A value outside the zone's range opens an alert of that kind, or,
    while one is still open or acknowledged, counts on it. Locks the zone row, so two readings of
    one zone never open two alerts. The new alerts are in `reading.opened_alerts`.
    """
    require_perm(actor, "inventory.add_environmentreading")
    errors: dict[str, list[str]] = {}
    values = {}
    for field, value, limits, label in (("temperature", temperature, TEMPERATURE_LIMITS, _("温度")),
                                        ("humidity", humidity, HUMIDITY_LIMITS, _("湿度"))):
        try:
            values[field] = _measure(value, field, limits, label)
        except ValidationFailed as exc:
            errors.update(exc.details)
    if not errors and values["temperature"] is None and values["humidity"] is None:
        errors["temperature"] = [_("请至少填写温度或湿度")]
    if source not in ReadingSource.values:
        errors["source"] = [_("未知的数据来源")]
    sensor_id = (sensor_id or "").strip()[:64]
    if source == ReadingSource.SENSOR and not sensor_id:
        errors["sensor_id"] = [_("传感器数据必须带传感器编号")]
    try:
        measured_at = _moment(measured_at, "measured_at")
    except ValidationFailed as exc:
        errors.update(exc.details)
    if errors:
        raise ValidationFailed(details=errors)

    zone = Zone.objects.select_for_update(no_key=True).get(pk=zone.pk)
    existing = EnvironmentReading.objects.filter(zone=zone, source=source, sensor_id=sensor_id,
                                                 measured_at=measured_at).first()
    if existing is not None:
        existing.opened_alerts = []
        return existing
    reading = EnvironmentReading.objects.create(
        zone=zone, measured_at=measured_at, temperature=values["temperature"], humidity=values["humidity"],
        source=source, sensor_id=sensor_id, recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    reading.opened_alerts = []
    for excursion in policy.reading_excursions(temperature=reading.temperature, humidity=reading.humidity,
                                               zone=zone):
        active = (EnvironmentAlert.objects.select_for_update()
                  .filter(zone=zone, kind=excursion.kind).exclude(state=AlertState.CLOSED).first())
        if active is not None:
            if measured_at >= active.last_reading.measured_at:
                active.last_reading = reading
            active.readings_count += 1
            active.save(update_fields=["last_reading", "readings_count"])
            continue
        alert = EnvironmentAlert.objects.create(
            zone=zone, kind=excursion.kind, reading=reading, last_reading=reading, value=excursion.value,
            limit=excursion.limit, opened_at=measured_at,
        )
        reading.opened_alerts.append(alert)
    return reading


def _alert_transition(alert: EnvironmentAlert, to: str) -> None:
    if not policy.alert_transition_allowed(alert.state, to):
        raise IllegalTransition(_("告警当前为“%(state)s”，不能%(action)s") % {
            "state": alert.get_state_display(),
            "action": _("确认") if to == AlertState.ACKNOWLEDGED else _("关闭")})
    alert.state = to


@transaction.atomic
def alert_acknowledge(*, actor, alert: EnvironmentAlert, note: str = "") -> EnvironmentAlert:
    """Someone has seen the alert and is dealing with it. Only an open alert can be acknowledged."""
    require_perm(actor, "inventory.handle_environmentalert")
    alert = EnvironmentAlert.objects.select_for_update().get(pk=alert.pk)
    _alert_transition(alert, AlertState.ACKNOWLEDGED)
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    note = (note or "").strip()
    if note:
        alert.note = note
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "note"])
    audit_record(actor=actor, obj=alert, action="acknowledge", force=True, note=note,
                 after={"state": alert.state})
    return alert


@transaction.atomic
def alert_close(*, actor, alert: EnvironmentAlert, note: str) -> EnvironmentAlert:
    """Close an open or acknowledged alert, saying what was done (required). A new excursion of the
    same kind afterwards opens a new alert."""
    require_perm(actor, "inventory.handle_environmentalert")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(details={"note": [_("关闭告警请填写处理说明")]})
    alert = EnvironmentAlert.objects.select_for_update().get(pk=alert.pk)
    _alert_transition(alert, AlertState.CLOSED)
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor, now
    alert.closed_by = actor
    alert.closed_at = now
    alert.note = f"{alert.note}\n{note}".strip() if alert.note and alert.note != note else note
    alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "closed_by", "closed_at", "note"])
    audit_record(actor=actor, obj=alert, action="close", force=True, note=note, after={"state": alert.state})
    return alert
