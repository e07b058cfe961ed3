"""Grade suggestion: pure rules over a customer's figures, with the reasons shown.

Figures come from input providers. This app provides tenure, credit rating and status; the orders
and service apps register providers for order value, order frequency and complaints
(`register_input_provider`), so callers of `grade_suggest` never change.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from depot.customers.choices import CREDIT_RATING_ORDER, GRADE_ORDER, Grade, RfmSegment, Status

InputProvider = Callable[[object], dict]
_providers: list[InputProvider] = []


def register_input_provider(provider: InputProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def _own_inputs(customer) -> dict:
    today = timezone.localdate()
    since = customer.cooperation_since
    months = None if since is None else (today.year - since.year) * 12 + today.month - since.month
    return {"tenure_months": months, "credit_rating": customer.credit_rating or None, "status": customer.status}


register_input_provider(_own_inputs)


def grading_inputs(customer) -> dict:
    inputs: dict = {}
    for provider in _providers:
        inputs.update(provider(customer))
    return inputs


@dataclass(frozen=True)
class Thresholds:
    grade: str
    min_tenure_months: int | None = None
    min_credit_rating: str | None = None
    min_order_value_12m: Decimal | None = None
    min_orders_per_month: Decimal | None = None
    max_complaints_12m: int | None = None
    max_complaint_resolution_hours: int | None = None
    rfm_segments: tuple[str, ...] = ()


@dataclass
class Suggestion:
    grade: str
    reasons: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "；".join(self.reasons)


def _check(rule: Thresholds, inputs: dict) -> tuple[list[str], list[str]]:
    """One reason per criterion of `rule`, and the reasons of the criteria `inputs` fail."""
    reasons, failed = [], []

    def need(value, label, passed, shown_rule):
        if value is None:
            reasons.append(_("%(label)s：暂无数据，不参与评定") % {"label": label})
            return
        if passed:
            values = {"label": label, "value": value, "rule": shown_rule}
            reasons.append(_("%(label)s %(value)s 达到 %(rule)s") % values)
        else:
            reason = _("%(label)s %(value)s 未达到 %(rule)s") % {"label": label, "value": value, "rule": shown_rule}
            reasons.append(reason)
            failed.append(reason)

    if rule.min_tenure_months is not None:
        v = inputs.get("tenure_months")
        need(v, _("合作月数"), v is not None and v >= rule.min_tenure_months, f"≥{rule.min_tenure_months}")
    if rule.min_credit_rating:
        v = inputs.get("credit_rating")
        passed = v is not None and CREDIT_RATING_ORDER.index(v) <= CREDIT_RATING_ORDER.index(rule.min_credit_rating)
        need(v, _("信用等级"), passed, _("%(r)s 或更好") % {"r": rule.min_credit_rating})
    if rule.min_order_value_12m is not None:
        v = inputs.get("order_value_12m")
        need(v, _("近12个月订单金额"), v is not None and v >= rule.min_order_value_12m, f"≥{rule.min_order_value_12m}")
    if rule.min_orders_per_month is not None:
        v = inputs.get("orders_per_month")
        need(v, _("月均订单数"), v is not None and v >= rule.min_orders_per_month, f"≥{rule.min_orders_per_month}")
    if rule.max_complaints_12m is not None:
        v = inputs.get("complaints_12m")
        need(v, _("近12个月投诉数"), v is not None and v <= rule.max_complaints_12m, f"≤{rule.max_complaints_12m}")
    if rule.max_complaint_resolution_hours is not None:
        v = inputs.get("complaint_resolution_hours_avg")
        limit = rule.max_complaint_resolution_hours
        need(v, _("投诉平均解决时长（小时）"), v is not None and v <= limit, f"≤{limit}")
    if rule.rfm_segments:
        v = inputs.get("rfm_segment") or None
        shown = "、".join(str(RfmSegment(code).label) for code in rule.rfm_segments if code in RfmSegment.values)
        label = str(RfmSegment(v).label) if v in RfmSegment.values else v
        need(label, _("RFM分群"), v in rule.rfm_segments, shown)
    return reasons, failed


def suggest_grade(inputs: dict, rules: list[Thresholds]) -> Suggestion:
    """The best grade whose every measurable threshold `inputs` meet; C when none is met.
    The reasons say why the grade is met and why each better grade is not.

    A customer that is not active (prospect, suspended, closed) is never suggested above C.
    """
    if inputs.get("status") not in (None, Status.ACTIVE):
        return Suggestion(Grade.C, [_("客户当前不是合作中状态，建议保持C级")])
    by_grade = {r.grade: r for r in rules}
    misses = []
    for grade in GRADE_ORDER:
        rule = by_grade.get(grade)
        if rule is None:
            continue
        reasons, failed = _check(rule, inputs)
        if not failed:
            return Suggestion(grade, [_("满足%(grade)s级规则") % {"grade": grade}, *reasons, *misses])
        misses.append(_("未满足%(grade)s级规则：") % {"grade": grade} + "；".join(failed))
    return Suggestion(Grade.C, [*misses, _("默认C级")] if misses else [_("没有评级规则，默认C级")])


def rules_from_db() -> list[Thresholds]:
    from depot.customers.models import GradingRule

    return [
        Thresholds(
            grade=r.grade, min_tenure_months=r.min_tenure_months, min_credit_rating=r.min_credit_rating or None,
            min_order_value_12m=r.min_order_value_12m, min_orders_per_month=r.min_orders_per_month,
            max_complaints_12m=r.max_complaints_12m, max_complaint_resolution_hours=r.max_complaint_resolution_hours,
            rfm_segments=tuple(r.rfm_segments),
        )
        for r in GradingRule.objects.all()
    ]


def grade_suggest(customer) -> Suggestion:
    return suggest_grade(grading_inputs(customer), rules_from_db())
