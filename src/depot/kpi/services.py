"""Writes of the KPI app: targets, appraisal weights, appraisals and training records. Each is one
transaction, checks the actor's permission, raises a `DomainError` with a Chinese message
(nothing written) and records the change in the audit trail."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import ValidationFailed
from depot.core.permissions import require_perm
from depot.kpi import policy, selectors
from depot.kpi.choices import Component, PeriodKind, ServiceKpi, TrainingResult
from depot.kpi.models import Appraisal, AppraisalWeight, Course, KpiTarget, TrainingRecord, TrainingSession

APPRAISAL_FIELDS = ("staff", "period_kind", "period_start", "attitude", "ability", "total", "rating", "comment")


def _decimal(value, field: str, errors: dict, *, low=None, high=None, message=None) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [message or _("请填写数字")]
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        errors[field] = [message or _("数值超出范围")]
        return None
    return number


@transaction.atomic
def kpi_target_set(*, actor, code: str, target) -> KpiTarget:
    """Set the target of one service KPI (percent, hours or NPS points)."""
    require_perm(actor, "kpi.change_kpitarget")
    errors: dict = {}
    if code not in ServiceKpi.values:
        errors["code"] = [_("未知的KPI")]
    low, high = (Decimal(-100), Decimal(100)) if code == ServiceKpi.NPS else (Decimal(0), None)
    if code not in (ServiceKpi.DOCK_TO_STOCK, ServiceKpi.COMPLAINT_FIRST_RESPONSE, ServiceKpi.COMPLAINT_RESOLUTION,
                    ServiceKpi.NPS):
        high = Decimal(100)
    value = _decimal(target, "target", errors, low=low, high=high,
                     message=_("目标值须为%(low)s到%(high)s之间的数字") % {"low": low, "high": high or "∞"})
    if errors:
        raise ValidationFailed(details=errors)
    row = KpiTarget.objects.select_for_update().filter(code=code).first()
    before = snapshot(row, ("code", "target")) if row else None
    if row is None:
        row = KpiTarget(code=code)
    row.target, row.updated_by, row.updated_at = value, actor, timezone.now()
    row.save()
    audit_record(actor=actor, obj=row, action=ACTION_UPDATE if before else ACTION_CREATE, before=before,
                 after=snapshot(row, ("code", "target")))
    return row


@transaction.atomic
def appraisal_weights_set(*, actor, weights: dict) -> dict:
    """Set the weight (whole percent) of every appraisal component; they must add up to 100."""
    require_perm(actor, "kpi.change_appraisalweight")
    errors, clean = {}, {}
    for component in Component.values:
        raw = weights.get(component, 0)
        try:
            value = int(str(raw).strip() or 0)
        except ValueError:
            errors[component] = [_("请填写0到100之间的整数")]
            continue
        if not 0 <= value <= 100:
            errors[component] = [_("请填写0到100之间的整数")]
            continue
        clean[component] = value
    if not errors and sum(clean.values()) != 100:
        errors["__all__"] = [_("各项权重合计须为100%%，当前为%(n)d%%") % {"n": sum(clean.values())}]
    if errors:
        raise ValidationFailed(details=errors)
    before = selectors.weights()
    for component, value in clean.items():
        AppraisalWeight.objects.update_or_create(component=component, defaults={
            "weight": value, "updated_by": actor, "updated_at": timezone.now()})
    first = AppraisalWeight.objects.order_by("id").first()
    audit_record(actor=actor, obj=first, action=ACTION_UPDATE, before={"weights": before},
                 after={"weights": clean}, note=_("考核权重"))
    return clean


def appraisal_period(kind: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    if kind == PeriodKind.YEAR:
        return policy.year_period(start.year)
    return policy.month_period(start.year, start.month)


def appraisal_compute(*, actor, staff, period_kind: str, period_start: datetime.date, attitude, ability,
                      now=None) -> dict:
    """The appraisal of `staff` for the period without saving it: each component's actual value and
    0–100 score, the weights, the weighted total and the rating."""
    errors: dict = {}
    if period_kind not in PeriodKind.values:
        errors["period_kind"] = [_("请选择考核周期")]
    attitude = _decimal(attitude, "attitude", errors, low=Decimal(0), high=Decimal(100),
                        message=_("评分须在0到100之间"))
    ability = _decimal(ability, "ability", errors, low=Decimal(0), high=Decimal(100),
                       message=_("评分须在0到100之间"))
    if errors:
        raise ValidationFailed(details=errors)
    period = appraisal_period(period_kind, period_start)
    row = selectors.staff_kpis(user=actor, period=period, staff=[staff], now=now)[0]
    figures = {**row.figures(), Component.ATTITUDE: attitude, Component.ABILITY: ability}
    scores = policy.component_scores(figures, response_target_hours=selectors.response_target_hours())
    weights = selectors.weights()
    total = policy.weighted_total(scores, weights)
    total = total if total is not None else Decimal(0)
    return {
        "period": period, "weights": weights, "total": total, "rating": policy.rating_for(total),
        "attitude": attitude, "ability": ability,
        "figures": {c: {"value": None if figures[c] is None else str(figures[c]),
                        "score": None if scores[c] is None else str(scores[c])} for c in Component.values},
    }


@transaction.atomic
def appraisal_save(*, actor, staff, period_kind: str, period_start: datetime.date, attitude, ability,
                   comment: str = "", now=None) -> Appraisal:
    """Create or recompute the appraisal of `staff` for a month or a year: the computed KPIs with
    the supervisor's weights and their assessment of attitude and ability. The figures and the
    weights used are kept with the record."""
    require_perm(actor, "kpi.add_appraisal")
    if staff is None:
        raise ValidationFailed(details={"staff": [_("请选择员工")]})
    result = appraisal_compute(actor=actor, staff=staff, period_kind=period_kind, period_start=period_start,
                               attitude=attitude, ability=ability, now=now)
    start, end = result["period"]
    appraisal = Appraisal.objects.select_for_update().filter(staff=staff, period_kind=period_kind,
                                                             period_start=start).first()
    before = snapshot(appraisal, APPRAISAL_FIELDS) if appraisal else None
    appraisal = appraisal or Appraisal(staff=staff, period_kind=period_kind, period_start=start)
    appraisal.period_end = end
    appraisal.figures, appraisal.weights = result["figures"], result["weights"]
    appraisal.attitude, appraisal.ability = result["attitude"], result["ability"]
    appraisal.total, appraisal.rating = result["total"], result["rating"]
    appraisal.comment = (comment or "").strip()
    appraisal.assessed_by, appraisal.assessed_at = actor, now or timezone.now()
    appraisal.save()
    audit_record(actor=actor, obj=appraisal, action=ACTION_UPDATE if before else ACTION_CREATE, before=before,
                 after=snapshot(appraisal, APPRAISAL_FIELDS))
    return appraisal


# ---- training -------------------------------------------------------------------------------

@transaction.atomic
def training_session_create(*, actor, course: Course, held_on: datetime.date, hours=None, trainer: str = "",
                            place: str = "") -> TrainingSession:
    require_perm(actor, "kpi.add_trainingsession")
    errors: dict = {}
    if course is None:
        errors["course"] = [_("请选择课程")]
    if held_on is None:
        errors["held_on"] = [_("请填写培训日期")]
    value = _decimal(course.hours if hours in (None, "") and course else hours, "hours", errors,
                     low=Decimal("0.1"), high=Decimal(200), message=_("学时须大于0且不超过200"))
    if errors:
        raise ValidationFailed(details=errors)
    session = TrainingSession.objects.create(course=course, held_on=held_on, hours=value, trainer=trainer.strip(),
                                             place=place.strip(), created_by=actor)
    audit_record(actor=actor, obj=session, action=ACTION_CREATE,
                 after=snapshot(session, ("course", "held_on", "hours", "trainer")))
    return session


@transaction.atomic
def training_record_set(*, actor, session: TrainingSession, staff, result: str, score=None,
                        note: str = "") -> TrainingRecord:
    """Record one attendee's result: attended (passed / failed) earns the session's hours, absent none."""
    require_perm(actor, "kpi.add_trainingrecord")
    errors: dict = {}
    if staff is None:
        errors["staff"] = [_("请选择学员")]
    if result not in TrainingResult.values:
        errors["result"] = [_("请选择结果")]
    value = None
    if score not in (None, ""):
        value = _decimal(score, "score", errors, low=Decimal(0), high=Decimal(100), message=_("成绩须在0到100之间"))
    if result == TrainingResult.ABSENT and value is not None:
        errors["score"] = [_("缺席的学员不能有成绩")]
    if errors:
        raise ValidationFailed(details=errors)
    hours = Decimal(0) if result == TrainingResult.ABSENT else session.hours
    record, created = TrainingRecord.objects.update_or_create(
        session=session, staff=staff, defaults={"result": result, "hours": hours, "note": (note or "").strip(),
                                                "score": None if value is None else int(value)})
    audit_record(actor=actor, obj=record, action=ACTION_CREATE if created else ACTION_UPDATE,
                 after=snapshot(record, ("session", "staff", "hours", "score", "result")), force=not created)
    return record
