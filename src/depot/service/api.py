"""API of complaints for a customer's integration: list (polling with updated_since), one
complaint with its customer-visible timeline, submit, and the customer's verdict on the answer
(accept closes it; reject reopens and escalates it)."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router
from ninja.responses import Status

from depot.api import idempotency
from depot.api.auth import token
from depot.api.pagination import paginate
from depot.api.schemas import (
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    InputSchema,
    Int,
    LocalDateTime,
    Out,
    aware,
    customer_for_write,
    customer_scope,
)
from depot.core.errors import NotFound, ValidationFailed
from depot.orders.models import OutboundOrder
from depot.service.choices import ComplaintCategory, ComplaintState, Severity
from depot.service.models import Complaint
from depot.service.selectors import complaint_list, complaint_timeline
from depot.service.services import complaint_create, complaint_customer_verdict

router = Router(tags=[gettext_lazy("投诉")])

LIMIT = Query(50, ge=1, le=200, description=gettext_lazy("每页条数，1–200，默认50"))
CURSOR = Query(None, description=gettext_lazy("上一页返回的 next_cursor；不填为第一页"))
CUSTOMER_CODE = Query(None, description=gettext_lazy(
    "客户编码：客户令牌只能是本客户（可不填）；员工令牌不填表示其可见的全部客户"))
UPDATED_SINCE = Query(None, description=gettext_lazy(
    "只返回此时间（含）之后有变化的投诉，用于轮询；不带时区按北京时间"))
STATE = Query(None, description=gettext_lazy("投诉状态"))


class ComplaintIn(InputSchema):
    customer_code: str | None = Field(None, max_length=20, description=gettext_lazy("员工令牌必填；客户令牌可不填"))
    category: ComplaintCategory = Field(ComplaintCategory.OTHER, description=gettext_lazy("投诉类别"))
    severity: Severity = Field(Severity.MEDIUM, description=gettext_lazy("严重程度"))
    description: str = Field(..., min_length=1, max_length=5000, description=gettext_lazy("投诉内容"))
    order_numbers: list[str] = Field([], max_length=50, description=gettext_lazy("相关出库单号"))
    contact_id: Int | None = Field(None, description=gettext_lazy("联系人编号（可不填）"))


class AcceptIn(InputSchema):
    comment: str | None = Field(None, max_length=2000, description=gettext_lazy("客户意见（可不填）"))


class RejectIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=2000, description=gettext_lazy("不接受答复的原因"))


class ComplaintSummary(Out):
    code: str
    customer_code: str
    channel: str
    category: str
    category_label: str
    severity: str
    state: str
    state_label: str
    description: str
    answer: str
    order_numbers: list[str]
    rejection_count: int
    received_at: LocalDateTime
    first_response_due: LocalDateTime
    first_responded_at: LocalDateTime | None
    resolution_due: LocalDateTime
    answered_at: LocalDateTime | None
    closed_at: LocalDateTime | None
    updated_at: LocalDateTime


class ComplaintEventOut(Out):
    at: LocalDateTime
    kind: str
    kind_label: str
    from_state: str
    to_state: str
    note: str


class ComplaintOut(ComplaintSummary):
    timeline: list[ComplaintEventOut]


class ComplaintPage(Out):
    items: list[ComplaintSummary]
    next_cursor: str | None


def _summary(c: Complaint) -> dict:
    return {
        "code": c.code, "customer_code": c.customer.code, "channel": c.channel, "category": c.category,
        "category_label": str(c.get_category_display()), "severity": c.severity, "state": c.state,
        "state_label": str(c.get_state_display()), "description": c.description, "answer": c.answer,
        "order_numbers": sorted(o.number for o in c.orders.all()), "rejection_count": c.rejection_count,
        "received_at": c.received_at, "first_response_due": c.first_response_due,
        "first_responded_at": c.first_responded_at, "resolution_due": c.resolution_due,
        "answered_at": c.answered_at, "closed_at": c.closed_at, "updated_at": c.updated_at,
    }


def _detail(principal, c: Complaint) -> dict:
    events = complaint_timeline(user=principal.actor, complaint=c, for_customer=True).order_by("at", "pk")
    return {**_summary(c), "timeline": [{
        "at": e.at, "kind": e.kind, "kind_label": str(e.get_kind_display()), "from_state": e.from_state,
        "to_state": e.to_state, "note": e.note} for e in events]}


def _visible(principal, customer_code=None):
    customer = customer_scope(principal, customer_code)
    qs = complaint_list(user=principal.actor).prefetch_related("orders")
    return qs.filter(customer=customer) if customer is not None else qs


def _get(principal, code: str) -> Complaint:
    complaint = _visible(principal).filter(code=code).first()
    if complaint is None:
        raise NotFound(_("投诉%(code)s不存在或无权访问") % {"code": code})
    return complaint


@router.get(
    "/complaints", auth=token("complaints:read"), response={200: ComplaintPage, **READ_ERRORS},
    summary=gettext_lazy("投诉列表"),
    description=gettext_lazy("按最后变化时间排序、游标分页；带 updated_since 时只返回之后有变化的投诉。"
                             "需要权限范围 complaints:read。"),
)
def complaints_list(request, customer_code: str | None = CUSTOMER_CODE,
                    state: ComplaintState | None = STATE,
                    updated_since: datetime.datetime | None = UPDATED_SINCE,
                    cursor: str | None = CURSOR, limit: int = LIMIT):
    qs = _visible(request.auth, customer_code)
    if state:
        qs = qs.filter(state=state)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=aware(updated_since))
    rows, next_cursor = paginate(qs, kind="complaints", keys=("updated_at", "id"), cursor=cursor, limit=limit)
    return {"items": [_summary(c) for c in rows], "next_cursor": next_cursor}


@router.get(
    "/complaints/{code}", auth=token("complaints:read"), response={200: ComplaintOut, **ONE_ERRORS},
    summary=gettext_lazy("投诉详情与进展"),
    description=gettext_lazy("一条投诉及其对客户可见的处理进展（受理、答复、客户意见、关闭）。"),
)
def complaint_detail(request, code: str):
    return _detail(request.auth, _get(request.auth, code))


@router.post(
    "/complaints", auth=token("complaints:write"), response={200: ComplaintOut, 201: ComplaintOut, **WRITE_ERRORS},
    summary=gettext_lazy("提交投诉"),
    description=gettext_lazy("登记一条投诉，按客户等级和严重程度计算首次响应与处理期限。"
                             "order_numbers 只能是本客户的出库单。新建返回201；同一个 Idempotency-Key "
                             "重复提交相同内容返回200和原投诉，内容不同返回409。需要权限范围 complaints:write。"),
)
def complaint_submit(request, payload: ComplaintIn, idempotency_key: str | None = idempotency.HEADER):
    principal = request.auth
    key = idempotency.clean_key(idempotency_key)
    customer = customer_for_write(principal, payload.customer_code)
    numbers = list(dict.fromkeys(payload.order_numbers))
    orders = list(OutboundOrder.objects.filter(customer=customer, number__in=numbers))
    if len(orders) != len(numbers):
        found = {o.number for o in orders}
        raise ValidationFailed(details={f"order_numbers[{i}]": [_("出库单不存在或不属于该客户")]
                                        for i, n in enumerate(payload.order_numbers, 1) if n not in found})

    def create() -> str:
        return complaint_create(actor=principal.actor, customer=customer, data={
            "description": payload.description, "category": payload.category, "severity": payload.severity,
            "orders": orders, "contact": payload.contact_id}).code

    code, created = idempotency.run_once(customer=customer, operation="complaint.create", key=key,
                                         body=payload.model_dump(mode="json"), create=create)
    return Status(201 if created else 200, _detail(principal, _get(principal, code)))


@router.post(
    "/complaints/{code}/accept", auth=token("complaints:write"), response={200: ComplaintOut, **WRITE_ERRORS},
    summary=gettext_lazy("接受答复"),
    description=gettext_lazy("客户接受仓库的答复，投诉关闭。只有“已答复待确认”的投诉可以接受，否则409。"),
)
def complaint_accept(request, code: str, payload: AcceptIn):
    complaint = _get(request.auth, code)
    complaint_customer_verdict(actor=request.auth.actor, complaint=complaint, accepted=True,
                               reason=payload.comment or "")
    return _detail(request.auth, _get(request.auth, code))


@router.post(
    "/complaints/{code}/reject", auth=token("complaints:write"), response={200: ComplaintOut, **WRITE_ERRORS},
    summary=gettext_lazy("不接受答复"),
    description=gettext_lazy("客户不接受答复（须说明原因）：投诉重新处理、升级一级，处理期限重新计算。"
                             "只有“已答复待确认”的投诉可以操作，否则409。"),
)
def complaint_reject(request, code: str, payload: RejectIn):
    complaint = _get(request.auth, code)
    complaint_customer_verdict(actor=request.auth.actor, complaint=complaint, accepted=False, reason=payload.reason)
    return _detail(request.auth, _get(request.auth, code))
