"""Back-office pages of orders: an outbound order's page (header, lines, reservations, pick lines,
packages, exceptions, credit reviews, timeline) with a button for each action its state allows,
each action's small form, 新建出库单, the inbound order's page and forms, and the pick list.

Every page reads through the selectors and every change is one service call; a `DomainError`
comes back as form errors or a message, never as an error page.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import formset_factory
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from depot.core.admin import add_domain_errors
from depot.core.errors import DomainError, NotFound
from depot.core.errors import PermissionDenied as DomainPermissionDenied
from depot.core.masking import mask_phone
from depot.customers.selectors import can_view_pii
from depot.inventory import selectors as stock
from depot.inventory.models import Location, Lot
from depot.orders import forms, policy, selectors, services
from depot.orders.choices import (
    CreditReviewState,
    ExceptionState,
    HoldKind,
    InboundState,
    OutboundState,
    Resolution,
)
from depot.orders.models import InboundOrder, OutboundOrder

PAGE = "core/admin/page.html"
NO_DATA = "—"

STATE_VARIANTS = {
    OutboundState.INCOMPLETE: "warning", OutboundState.PENDING_AUDIT: "info", OutboundState.CREDIT_REVIEW: "warning",
    OutboundState.HELD: "danger", OutboundState.ALLOCATED: "info", OutboundState.PICKING: "info",
    OutboundState.PICKED: "info", OutboundState.PACKED: "info", OutboundState.SHIPPED: "success",
    OutboundState.DELIVERED: "success", OutboundState.CONFIRMED: "success", OutboundState.SUSPENDED: "danger",
    OutboundState.CANCELLED: "", OutboundState.REJECTED: "",
    InboundState.NOTIFIED: "info", InboundState.RECEIVING: "warning", InboundState.RECEIVED: "info",
    InboundState.PUT_AWAY: "success",
}


# ---- helpers ----------------------------------------------------------------------------------

def require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def render(request, *, title, template=PAGE, **context) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), "title": title,
                                                "page_id": "orders-page", **context})


def link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def label(text, variant="") -> str:
    colours = {"danger": "bg-red-100 text-red-700", "warning": "bg-orange-100 text-orange-700",
               "success": "bg-green-100 text-green-700", "info": "bg-blue-100 text-blue-700"}
    return format_html('<span class="inline-block font-semibold px-2 rounded-default text-xs {}">{}</span>',
                       colours.get(variant, "bg-base-100 text-base-700"), text)


def state_label(order) -> str:
    return label(order.get_state_display(), STATE_VARIANTS.get(order.state, ""))


def when(value) -> str:
    if value is None:
        return NO_DATA
    if hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return date_format(value, "Y-m-d")


def money(value) -> str:
    return NO_DATA if value is None else f"¥{value:,.2f}"


def who(user) -> str:
    if user is None:
        return NO_DATA
    return user.first_name or user.get_username()


def order_url(order) -> str:
    return reverse("admin:orders_outboundorder_change", args=[order.pk])


def inbound_url(order) -> str:
    return reverse("admin:orders_inboundorder_change", args=[order.pk])


def picklist_url(pick_list) -> str:
    return reverse("admin:orders_picklist_change", args=[pick_list.pk])


def action_url(order, action: str) -> str:
    name = "orders_outbound_action" if isinstance(order, OutboundOrder) else "orders_inbound_action"
    return reverse(f"admin:{name}", args=[order.pk, action])


def error_message(exc: DomainError) -> str:
    """One sentence for a message: the field messages when there are, else the error's own."""
    details = [str(m) for msgs in (exc.details or {}).values() for m in msgs]
    return "；".join(dict.fromkeys(details)) if details else str(exc.message)


def formset_errors(formset, exc: DomainError, prefix: str) -> None:
    """Put a service's `prefix[n].field` messages on the n-th form of `formset` (counting only the
    forms that were sent to the service, `formset.sent`), the rest on the whole formset."""
    sent = getattr(formset, "sent", list(formset))
    general = []
    for key, msgs in (exc.details or {"__all__": [exc.message]}).items():
        form, field = None, None
        if key.startswith(f"{prefix}[") and "]" in key:
            index, _sep, rest = key[len(prefix) + 1:].partition("]")
            if index.isdigit() and 0 < int(index) <= len(sent):
                form, field = sent[int(index) - 1], rest.lstrip(".") or None
        if form is None:
            general.extend(msgs)
            continue
        for msg in msgs:
            form.add_error(field if field in form.fields else None, str(msg))
    if general:
        formset._non_form_errors = formset.error_class([str(m) for m in general])


def done(request, text) -> None:
    messages.success(request, text)


def refused(request, exc: DomainError) -> None:
    messages.error(request, error_message(exc))


# ---- outbound: the page -----------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    key: str
    label: str
    perm: str
    icon: str
    has_form: bool
    variant: str = "default"


ACTIONS = {a.key: a for a in [
    Action("supplement", _("补充资料"), "orders.change_outboundorder", "edit_note", True, "primary"),
    Action("recheck", _("重新检查资料"), "orders.change_outboundorder", "fact_check", False),
    Action("audit", _("审核"), "orders.audit_outbound", "task_alt", False, "primary"),
    Action("credit", _("信用审批"), "orders.decide_credit_review", "gavel", True, "primary"),
    Action("allocate", _("重新分配库存"), "orders.audit_outbound", "inventory", False, "primary"),
    Action("picklist", _("生成拣货单"), "orders.add_picklist", "checklist", False, "primary"),
    Action("pick", _("确认拣货"), "orders.confirm_pick", "done_all", True, "primary"),
    Action("resolve", _("处理异常"), "orders.resolve_orderexception", "build", True, "primary"),
    Action("pack", _("包装"), "orders.execute_outbound", "package_2", True, "primary"),
    Action("ship", _("发货"), "orders.execute_outbound", "local_shipping", True, "primary"),
    Action("deliver", _("登记送达"), "orders.execute_outbound", "where_to_vote", False, "primary"),
    Action("confirm", _("登记签收"), "orders.confirm_receipt", "thumb_up", True, "primary"),
    Action("cancel", _("取消订单"), "orders.cancel_outbound", "cancel", True, "danger"),
]}


def outbound_action_keys(order, detail: dict) -> list[str]:
    """The actions the order's state allows (before the user's permissions are considered)."""
    state = order.state
    pending_review = any(r.state == CreditReviewState.PENDING for r in detail["credit_reviews"])
    open_exceptions = any(e.state == ExceptionState.OPEN for e in detail["exceptions"])
    to_pick = any(p.confirmed_at is None and not p.cancelled for p in detail["pick_lines"])
    keys = []
    if state in (OutboundState.INCOMPLETE, OutboundState.PENDING_AUDIT) or (
            state == OutboundState.HELD and order.hold_kind == HoldKind.DATE):
        keys.append("supplement")
    if state == OutboundState.INCOMPLETE:
        keys.append("recheck")
    if state == OutboundState.PENDING_AUDIT:
        keys.append("audit")
    if state == OutboundState.CREDIT_REVIEW and pending_review:
        keys.append("credit")
    if state == OutboundState.HELD and order.hold_kind in (HoldKind.STOCK, HoldKind.WAIT):
        keys.append("allocate")
    if state == OutboundState.ALLOCATED:
        keys.append("picklist")
    if state in (OutboundState.PICKING, OutboundState.SUSPENDED) and to_pick:
        keys.append("pick")
    if state == OutboundState.SUSPENDED and open_exceptions:
        keys.append("resolve")
    if state == OutboundState.PICKED:
        keys.append("pack")
    if state == OutboundState.PACKED:
        keys.append("ship")
    if state == OutboundState.SHIPPED:
        keys.append("deliver")
    if state in (OutboundState.SHIPPED, OutboundState.DELIVERED):
        keys.append("confirm")
    if policy.transition_allowed(policy.OUTBOUND_TRANSITIONS, state, OutboundState.CANCELLED):
        keys.append("cancel")
    return keys


# Other apps add links to the outbound order page (e.g. "发送延误通知"): each provider is called
# as provider(user, order) and returns button dicts with label, icon, href (and variant).
_outbound_link_providers = []


def register_outbound_links(provider) -> None:
    if provider not in _outbound_link_providers:
        _outbound_link_providers.append(provider)


def outbound_buttons(user, order, detail) -> list[dict]:
    buttons = []
    for key in outbound_action_keys(order, detail):
        action = ACTIONS[key]
        if not user.has_perm(action.perm):
            continue
        button = {"label": action.label, "icon": action.icon, "variant": action.variant, "name": "go",
                  "value": key}
        if action.has_form:
            button["href"] = action_url(order, key)
        else:
            button["attrs"] = {"formaction": action_url(order, key)}
        buttons.append(button)
    for provider in _outbound_link_providers:
        buttons.extend(provider(user, order))
    return buttons


def _phone(user, value: str) -> str:
    if not value:
        return NO_DATA
    return value if can_view_pii(user) else mask_phone(value)


def _get_outbound(request, pk) -> OutboundOrder:
    try:
        return selectors.outbound_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None


def outbound_page(request, pk):
    require(request, "orders.view_outboundorder")
    order = _get_outbound(request, pk)
    if request.method == "POST":  # an old form posting to the page itself
        return redirect(request.path)
    user = request.user
    detail = selectors.outbound_detail(user=user, order=order)
    order = detail["order"]
    status = order.get_state_display()
    note = ""
    if order.state == OutboundState.HELD:
        note = f"{order.get_hold_kind_display()}：{order.hold_reason}"
    elif order.state == OutboundState.REJECTED:
        note = order.reject_reason
    elif order.state == OutboundState.CANCELLED:
        note = order.cancel_reason
    elif order.state == OutboundState.CONFIRMED and order.rating:
        note = "★" * order.rating + (f" {order.receipt_comment}" if order.receipt_comment else "")
    on_time = policy.is_on_time(due_at=order.due_at, shipped_at=order.shipped_at, now=timezone.now())
    cards = [
        {"label": _("状态"), "value": status, "note": note},
        {"label": _("客户"), "value": str(order.customer), "note": _("客户单号：%(ref)s · %(channel)s") % {
            "ref": order.external_ref or NO_DATA, "channel": order.get_channel_display()}},
        {"label": _("收货人"), "value": f"{order.consignee_name or NO_DATA} {_phone(user, order.consignee_phone)}",
         "note": order.full_address or _("未填写地址")},
        {"label": _("应发货时间"), "value": when(order.due_at), "note": _("%(level)s · 优先级%(p)d · %(ontime)s") % {
            "level": order.get_service_level_display(), "p": order.priority,
            "ontime": {True: _("按时"), False: _("已逾期"), None: _("未到期")}[on_time]}},
        {"label": _("订单货值"), "value": money(order.total_value),
         "note": _("要求发货日期：%(d)s · %(partial)s") % {
             "d": when(order.requested_ship_date), "partial": _("允许部分发货") if order.allow_partial else
             _("不允许部分发货")}},
        {"label": _("承运商 / 运单号"), "value": f"{order.carrier or NO_DATA} / {order.tracking_number or NO_DATA}",
         "note": _("发货：%(s)s · 送达：%(d)s") % {"s": when(order.shipped_at), "d": when(order.delivered_at)}},
    ]
    sections = []
    buttons = outbound_buttons(user, order, detail)
    if buttons:
        sections.append({"kind": "buttons", "id": "order-actions", "buttons": buttons})
    if order.missing:
        sections.append({"kind": "text", "title": _("待补充内容（已告知客户）"), "lines": order.missing})
    if order.note:
        sections.append({"kind": "text", "title": _("备注"), "lines": order.note.splitlines()})
    sections.append({"kind": "table", "title": _("货品明细"), "headers": [
        _("行号"), _("货品编码"), _("货品名称"), _("数量"), _("已分配"), _("已拣货"), _("拣货破损"), _("拣货短缺"),
        _("缺货不发"), _("已发货")],
        "rows": [[line.line_no, line.item_code or NO_DATA, line.item.name if line.item_id else _("（未知货品）"),
                  line.quantity if line.quantity is not None else NO_DATA, line.allocated, line.picked, line.damaged,
                  line.not_found, line.short, line.shipped] for line in detail["lines"]]})
    if detail["reservations"]:
        sections.append({"kind": "table", "title": _("库存预留"), "headers": [
            _("货品"), _("批号"), _("到期日期"), _("库位"), _("预留数量"), _("已拣货"), _("已释放"), _("状态")],
            "rows": [[r.balance.item.code, r.balance.lot.lot_number, when(r.balance.lot.expiry_date),
                      r.balance.location.code, r.quantity, r.consumed, r.released, r.get_state_display()]
                     for r in detail["reservations"]]})
    if detail["pick_lines"]:
        sections.append({"kind": "table", "title": _("拣货"), "headers": [
            _("拣货单"), _("库位"), _("货品"), _("批号"), _("应拣数量"), _("实拣数量"), _("破损数量"), _("拣货人"),
            _("确认时间")],
            "rows": [[link(picklist_url(p.pick_list), p.pick_list.number), p.location_code, p.item.code,
                      p.lot.lot_number, p.quantity,
                      _("已作废") if p.cancelled else (p.picked if p.confirmed_at else NO_DATA),
                      p.damaged if p.confirmed_at else NO_DATA, who(p.confirmed_by), when(p.confirmed_at)]
                     for p in detail["pick_lines"]]})
    if detail["packages"]:
        sections.append({"kind": "table", "title": _("包裹"), "headers": [
            _("箱号"), _("重量（千克）"), _("长×宽×高（厘米）"), _("包装时间")],
            "rows": [[p.seq, p.weight_kg, "×".join(str(v) for v in (p.length_cm, p.width_cm, p.height_cm) if v)
                      or NO_DATA, when(p.created_at)] for p in detail["packages"]]})
    if detail["exceptions"]:
        sections.append({"kind": "table", "title": _("订单异常"), "headers": [
            _("类型"), _("涉及数量"), _("异常详情"), _("报告时间"), _("状态"), _("处理方式"), _("处理说明"),
            _("处理人")],
            "rows": [[e.get_kind_display(), e.quantity, e.details, when(e.opened_at),
                      label(e.get_state_display(), "danger" if e.state == ExceptionState.OPEN else "success"),
                      e.get_resolution_display() or NO_DATA, e.resolution_note or NO_DATA, who(e.resolved_by)]
                     for e in detail["exceptions"]]})
    if detail["credit_reviews"]:
        sections.append({"kind": "table", "title": _("信用审核"), "headers": [
            _("提交时间"), _("审核原因"), _("未结订单金额"), _("信用额度"), _("逾期应收"), _("状态"), _("审批人"),
            _("审批意见")],
            "rows": [[when(r.requested_at), "；".join(r.reasons), money(r.exposure), money(r.credit_limit),
                      money(r.overdue_amount), r.get_state_display(), who(r.decided_by), r.decision_reason or NO_DATA]
                     for r in detail["credit_reviews"]]})
    sections.append(timeline_section(detail["timeline"]))
    return render(request, title=_("出库单%(n)s") % {"n": order.number}, cards=cards, sections=sections)


def timeline_section(events) -> dict:
    return {"kind": "table", "title": _("订单轨迹"), "headers": [
        _("时间"), _("操作人"), _("状态变化"), _("说明（客户可见）"), _("内部说明")],
        "rows": [[when(e.at), who(e.actor),
                  f"{e.from_label} → {e.to_label}" if e.changes_state else _("%(state)s（状态未变）") % {
                      "state": e.to_label},
                  (e.note or NO_DATA) if e.visible_to_customer else _("（不告知客户）"), e.internal_note or NO_DATA]
                 for e in reversed(events)]}


# ---- outbound: the actions --------------------------------------------------------------------

def outbound_action(request, pk, action):
    require(request, "orders.view_outboundorder")
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    order = _get_outbound(request, pk)
    handler = ACTION_HANDLERS[action]
    if not request.user.has_perm(spec.perm):
        refused(request, DomainPermissionDenied())
        return redirect(order_url(order))
    if not spec.has_form:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            response = handler(request, order)
        except DomainError as exc:
            refused(request, exc)
            return redirect(order_url(order))
        return response or redirect(order_url(order))
    if spec.key not in outbound_action_keys(order, selectors.outbound_detail(user=request.user, order=order)) \
            and request.method != "POST":
        messages.warning(request, _("订单%(n)s当前状态为“%(s)s”，不能%(a)s") % {
            "n": order.number, "s": order.get_state_display(), "a": spec.label})
        return redirect(order_url(order))
    return handler(request, order)


def _form_page(request, order, *, title, forms_, submit_label, note="", variant="primary"):
    cards = [{"label": _("出库单"), "value": order.number, "href": order_url(order),
              "note": f"{order.customer} · {order.get_state_display()}"}]
    return render(request, title=f"{title} · {order.number}", cards=cards, sections=[
        {"kind": "form", "title": title, "forms": forms_, "submit_label": submit_label, "note": note,
         "variant": variant, "cancel_href": order_url(order)}])


def _run_simple(service, message):
    def handler(request, order):
        result = service(actor=request.user, order=order)
        result = result if isinstance(result, OutboundOrder) else order
        result.refresh_from_db()
        done(request, message % {"n": result.number, "s": result.get_state_display()})
    return handler


def _recheck(request, order):
    message = _("出库单%(n)s已重新检查，当前状态：%(s)s")
    return _run_simple(services.outbound_check_completeness, message)(request, order)


def _audit(request, order):
    order = services.outbound_audit(actor=request.user, order=order)
    text = _("出库单%(n)s审核完成，当前状态：%(s)s") % {"n": order.number, "s": order.get_state_display()}
    if order.state == OutboundState.HELD:
        messages.warning(request, f"{text}（{order.hold_reason}）")
    else:
        done(request, text)


def _allocate(request, order):
    order = services.outbound_allocate(actor=request.user, order=order)
    if order.state == OutboundState.HELD:
        messages.warning(request, _("出库单%(n)s仍然库存不足：%(r)s") % {"n": order.number, "r": order.hold_reason})
    else:
        done(request, _("出库单%(n)s已分配库存") % {"n": order.number})


def _picklist(request, order):
    pick_list = services.picklist_create(actor=request.user, orders=[order])
    done(request, _("已生成拣货单%(p)s") % {"p": pick_list.number})
    return redirect(picklist_url(pick_list))


def _deliver(request, order):
    services.outbound_deliver(actor=request.user, order=order)
    done(request, _("出库单%(n)s已登记送达") % {"n": order.number})


def _supplement(request, order):
    lines = list(order.lines.order_by("line_no"))
    initial = {name: getattr(order, name) for name in forms.HEADER_FIELDS}
    current = [{"item_code": line.item_code, "quantity": line.quantity} for line in lines]
    form = forms.OrderHeaderForm(request.POST or None, initial=initial)
    formset = forms.LineFormSet(request.POST or None, prefix="lines", initial=current)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        new_lines = forms.lines_of(formset)
        changed = [(line["item_code"], line["quantity"]) for line in new_lines] != [
            (line["item_code"], line["quantity"]) for line in current]
        formset.sent = [f for f in formset if f.cleaned_data.get("item_code")]
        try:
            order = services.outbound_supplement(actor=request.user, order=order, data=form.header(),
                                                 lines=new_lines if changed else None)
        except DomainError as exc:
            add_domain_errors(form, exc)
            formset_errors(formset, exc, "lines")
        else:
            done(request, _("出库单%(n)s资料已更新，当前状态：%(s)s") % {
                "n": order.number, "s": order.get_state_display()})
            return redirect(order_url(order))
    return _form_page(request, order, title=_("补充资料"), forms_=[form, formset], submit_label=_("保存并重新检查"),
                      note=_("补充后订单回到“待审核”；仍有缺漏时保持“待补充”，并告知客户缺少什么。"))


def _credit(request, order):
    review = next((r for r in order.credit_reviews.all() if r.state == CreditReviewState.PENDING), None)
    form = forms.CreditDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if review is None:
            messages.error(request, _("该订单没有待审批的信用审核"))
            return redirect(order_url(order))
        try:
            services.credit_review_decide(actor=request.user, review=review,
                                          approve=form.cleaned_data["decision"] == "approve",
                                          reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            order.refresh_from_db()
            done(request, _("信用审核已处理，出库单%(n)s当前状态：%(s)s") % {
                "n": order.number, "s": order.get_state_display()})
            return redirect(order_url(order))
    note = "；".join(review.reasons) if review else ""
    if review:
        note = _("审核原因：%(r)s。未结订单金额%(e)s，信用额度%(l)s，逾期应收%(o)s。") % {
            "r": note, "e": money(review.exposure), "l": money(review.credit_limit), "o": money(review.overdue_amount)}
    return _form_page(request, order, title=_("信用审批"), forms_=[form], submit_label=_("提交审批"), note=note)


def _pick(request, order):
    lines = [p for p in selectors.outbound_detail(user=request.user, order=order)["pick_lines"]
             if p.confirmed_at is None and not p.cancelled]
    formset = formset_factory(forms.PickLineForm, extra=0)(
        request.POST or None, prefix="pick", initial=[{"picked": p.quantity, "damaged": 0} for p in lines])
    formset.info_headers = [_("拣货单"), _("库位"), _("货品"), _("批号"), _("应拣数量")]
    for form, line in zip(formset, lines, strict=False):
        form.info = [line.pick_list.number, line.location_code, line.item.code, line.lot.lot_number, line.quantity]
    if request.method == "POST" and formset.is_valid():
        if len(formset.forms) != len(lines):
            messages.error(request, _("拣货行已变化，请重新填写"))
            return redirect(request.path)
        formset.sent = list(formset)
        try:
            with transaction.atomic():  # all lines of the form, or none
                for n, (form, line) in enumerate(zip(formset, lines, strict=True), start=1):
                    data = form.cleaned_data or form.initial  # a row left as proposed
                    try:
                        services.pick_confirm(actor=request.user, pick_line=line,
                                              picked_quantity=data.get("picked"),
                                              damaged_quantity=data.get("damaged") or 0, note=data.get("note", ""))
                    except DomainError as exc:
                        exc.details = {f"pick[{n}].{k.replace('_quantity', '')}": v
                                       for k, v in (exc.details or {"__all__": [exc.message]}).items()}
                        raise
        except DomainError as exc:
            formset_errors(formset, exc, "pick")
        else:
            order.refresh_from_db()
            text = _("拣货已确认，出库单%(n)s当前状态：%(s)s") % {"n": order.number, "s": order.get_state_display()}
            if order.state == OutboundState.SUSPENDED:
                messages.warning(request, text + _("（发现异常，请客服处理）"))
            else:
                done(request, text)
            return redirect(order_url(order))
    return _form_page(request, order, title=_("确认拣货"), forms_=[formset], submit_label=_("确认拣货"),
                      note=_("按实际拣到的数量填写；短缺或破损会挂起订单并通知客服处理。"))


def _resolve(request, order):
    exceptions = [e for e in order.exceptions.select_related("line__item").order_by("opened_at", "pk")
                  if e.state == ExceptionState.OPEN]
    items = {e.line.item_id: e.line.item for e in exceptions if e.line_id and e.line.item_id}
    lots = []
    for item in items.values():
        lots += [lot for lot in stock.stock_by_lot(user=request.user, item=item).select_related("item")
                 if lot.available > 0]
    form = forms.ResolveForm(request.POST or None, exceptions=exceptions, lots=lots)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exception = next(e for e in exceptions if e.pk == data["exception"])
        lot = Lot.objects.filter(pk=data["substitute_lot"]).first() if data["substitute_lot"] else None
        try:
            services.exception_resolve(actor=request.user, exception=exception, resolution=data["resolution"],
                                       note=data["note"], substitute_lot=lot)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            order.refresh_from_db()
            done(request, _("异常已处理（%(r)s），出库单%(n)s当前状态：%(s)s") % {
                "r": Resolution(data["resolution"]).label, "n": order.number, "s": order.get_state_display()})
            return redirect(order_url(order))
    details = [e.details for e in exceptions]
    return _form_page(request, order, title=_("处理异常"), forms_=[form], submit_label=_("提交处理"),
                      note="；".join(details))


def _pack(request, order):
    formset = forms.PackageFormSet(request.POST or None, prefix="packages")
    if request.method == "POST" and formset.is_valid():
        filled = [f for f in formset if f.cleaned_data.get("weight_kg") is not None]
        formset.sent = filled
        packages = [{k: f.cleaned_data.get(k) for k in ("weight_kg", "length_cm", "width_cm", "height_cm")}
                    for f in filled]
        try:
            services.outbound_pack(actor=request.user, order=order, packages=packages)
        except DomainError as exc:
            formset_errors(formset, exc, "packages")
        else:
            done(request, _("出库单%(n)s已包装，共%(k)d件") % {"n": order.number, "k": len(packages)})
            return redirect(order_url(order))
    return _form_page(request, order, title=_("包装"), forms_=[formset], submit_label=_("登记包装"),
                      note=_("每行一件包裹，填写重量；尺寸可不填。"))


def _ship(request, order):
    form = forms.ShipForm(request.POST or None, initial={"carrier": order.carrier})
    if request.method == "POST" and form.is_valid():
        try:
            services.outbound_ship(actor=request.user, order=order, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, _("出库单%(n)s已发货，运单号%(t)s") % {"n": order.number,
                                                         "t": form.cleaned_data["tracking_number"]})
            return redirect(order_url(order))
    return _form_page(request, order, title=_("发货"), forms_=[form], submit_label=_("确认发货"))


def _confirm(request, order):
    form = forms.ReceiptConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.outbound_confirm_receipt(actor=request.user, order=order, rating=form.cleaned_data["rating"],
                                              comment=form.cleaned_data["comment"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, _("出库单%(n)s已登记客户签收") % {"n": order.number})
            return redirect(order_url(order))
    return _form_page(request, order, title=_("登记签收"), forms_=[form], submit_label=_("登记签收"),
                      note=_("客户确认收货后登记，并记录客户的评分与评价。"))


def _cancel(request, order):
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("取消原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.outbound_cancel(actor=request.user, order=order, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, _("出库单%(n)s已取消") % {"n": order.number})
            return redirect(order_url(order))
    return _form_page(request, order, title=_("取消订单"), forms_=[form], submit_label=_("取消订单"),
                      variant="danger", note=_("已预留的库存将被释放；已拣货物留在出库暂存区，需移回存储库位。"))


ACTION_HANDLERS = {
    "supplement": _supplement, "recheck": _recheck, "audit": _audit, "credit": _credit, "allocate": _allocate,
    "picklist": _picklist, "pick": _pick, "resolve": _resolve, "pack": _pack, "ship": _ship, "deliver": _deliver,
    "confirm": _confirm, "cancel": _cancel,
}


# ---- outbound: new ----------------------------------------------------------------------------

def outbound_new(request):
    """新建出库单: CS takes an order by phone or email and submits it (completeness, audit, allocation)."""
    require(request, "orders.add_outboundorder")
    form = forms.OutboundNewForm(request.POST or None, user=request.user)
    formset = forms.LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        formset.sent = [f for f in formset if f.cleaned_data.get("item_code")]
        try:
            order, created = services.outbound_submit(
                actor=request.user, customer=data["customer"], data=form.header(), lines=forms.lines_of(formset),
                channel=data["channel"], external_ref=data["external_ref"])
        except DomainError as exc:
            add_domain_errors(form, exc)
            formset_errors(formset, exc, "lines")
        else:
            if created:
                text = _("出库单%(n)s已创建，当前状态：%(s)s") % {"n": order.number, "s": order.get_state_display()}
                if order.state == OutboundState.HELD:
                    messages.warning(request, f"{text}（{order.hold_reason}）")
                else:
                    done(request, text)
            else:
                messages.info(request, _("客户单号%(ref)s已有出库单%(n)s，未重复建单") % {
                    "ref": order.external_ref, "n": order.number})
            return redirect(order_url(order))
    return render(request, title=_("新建出库单"), sections=[
        {"kind": "form", "title": _("出库单（电话、邮件下单）"), "forms": [form, formset],
         "submit_label": _("提交订单"),
         "note": _("提交后系统检查资料是否齐全、客户信用与库存，资料不全的订单进入“待补充”并告知客户缺少什么。"),
         "cancel_href": reverse("admin:orders_outboundorder_changelist")}])


# ---- bulk actions (from the list) -------------------------------------------------------------

def bulk_run(request, orders, service, *, verb) -> None:
    """Run `service` on each order in its own transaction; one message with the outcome."""
    outcome, failed = {}, []
    for order in orders:
        try:
            result = service(actor=request.user, order=order)
        except DomainError as exc:
            failed.append(f"{order.number}：{error_message(exc)}")
            continue
        result = result if isinstance(result, OutboundOrder) else order
        state = result.get_state_display()
        outcome[state] = outcome.get(state, 0) + 1
    if outcome:
        done(request, _("%(verb)s完成%(n)d张：%(states)s") % {
            "verb": verb, "n": sum(outcome.values()),
            "states": "，".join(f"{s}{k}张" for s, k in outcome.items())})
    if failed:
        messages.error(request, _("%(verb)s未完成%(n)d张：%(list)s") % {"verb": verb, "n": len(failed),
                                                                     "list": "；".join(failed)})


def bulk_cancel(request, model_admin, queryset):
    """取消 with a reason: the reason page, then the cancellation of every selected order."""
    form = forms.ReasonForm(request.POST if "apply" in request.POST else None)
    form.fields["reason"].label = _("取消原因")
    orders = list(queryset.order_by("pk"))
    if "apply" in request.POST and form.is_valid():
        bulk_run(request, orders, lambda actor, order: services.outbound_cancel(
            actor=actor, order=order, reason=form.cleaned_data["reason"]), verb=_("取消"))
        return None
    return TemplateResponse(request, "orders/admin/bulk_cancel.html", {
        **admin.site.each_context(request), "title": _("取消出库单"), "form": form, "orders": orders,
        "opts": model_admin.model._meta, "action": request.POST.get("action", "cancel_selected"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })


# ---- inbound ----------------------------------------------------------------------------------

INBOUND_ACTIONS = {
    "receive": (_("收货"), "orders.receive_inbound", "move_to_inbox", "primary"),
    "putaway": (_("上架"), "orders.putaway_inbound", "shelves", "primary"),
    "cancel": (_("取消入库单"), "orders.cancel_inbound", "cancel", "danger"),
}


def inbound_action_keys(order, receipts) -> list[str]:
    keys = []
    if order.state in (InboundState.NOTIFIED, InboundState.RECEIVING):
        keys.append("receive")
    if order.state in (InboundState.RECEIVING, InboundState.RECEIVED) and any(r.to_put_away for r in receipts):
        keys.append("putaway")
    if policy.transition_allowed(policy.INBOUND_TRANSITIONS, order.state, InboundState.CANCELLED):
        keys.append("cancel")
    return keys


def _get_inbound(request, pk) -> InboundOrder:
    try:
        return selectors.inbound_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None


def inbound_page(request, pk):
    require(request, "orders.view_inboundorder")
    order = _get_inbound(request, pk)
    detail = selectors.inbound_detail(user=request.user, order=order)
    order = detail["order"]
    received = sum(d["received"] for d in detail["lines"])
    expected = sum(d["expected"] for d in detail["lines"])
    cards = [
        {"label": _("状态"), "value": order.get_state_display(), "note": order.cancel_reason},
        {"label": _("客户"), "value": str(order.customer), "note": _("客户单号：%(ref)s · %(channel)s") % {
            "ref": order.external_ref or NO_DATA, "channel": order.get_channel_display()}},
        {"label": _("收货仓库"), "value": str(order.warehouse), "note": _("预计到货：%(d)s · %(c)s %(v)s") % {
            "d": when(order.expected_date), "c": order.carrier, "v": order.vehicle}},
        {"label": _("预报 / 实收"), "value": f"{expected} / {received}",
         "note": _("收货完成：%(r)s · 上架完成：%(p)s") % {"r": when(order.received_at), "p": when(order.put_away_at)}},
    ]
    sections = []
    buttons = [{"label": INBOUND_ACTIONS[k][0], "icon": INBOUND_ACTIONS[k][2], "variant": INBOUND_ACTIONS[k][3],
                "href": action_url(order, k)}
               for k in inbound_action_keys(order, detail["receipts"]) if request.user.has_perm(INBOUND_ACTIONS[k][1])]
    if buttons:
        sections.append({"kind": "buttons", "id": "order-actions", "buttons": buttons})
    sections.append({"kind": "table", "title": _("预报明细与差异"), "headers": [
        _("行号"), _("货品编码"), _("货品名称"), _("预报批号"), _("预报数量"), _("实收良品"), _("实收破损"), _("差异"),
        _("已上架")],
        "rows": [[d["line"].line_no, d["item"].code, d["item"].name, d["line"].lot_number or NO_DATA, d["expected"],
                  d["good"], d["damaged"], label(d["text"], "" if d["clean"] else "warning"), d["line"].put_away]
                 for d in detail["lines"]]})
    if detail["receipts"]:
        sections.append({"kind": "table", "title": _("收货记录"), "headers": [
            _("货品"), _("批号"), _("生产日期"), _("到期日期"), _("收货库位"), _("良品"), _("破损"), _("已上架"),
            _("收货人"), _("收货时间"), _("备注")],
            "rows": [[r.line.item.code, r.lot.lot_number, when(r.lot.production_date), when(r.lot.expiry_date),
                      r.location.code, r.quantity_good, r.quantity_damaged, r.put_away, who(r.received_by),
                      when(r.received_at), r.note or NO_DATA] for r in detail["receipts"]]})
    sections.append(timeline_section(detail["timeline"]))
    return render(request, title=_("入库单%(n)s") % {"n": order.number}, cards=cards, sections=sections)


def _inbound_form_page(request, order, *, title, forms_, submit_label, note="", variant="primary"):
    cards = [{"label": _("入库单"), "value": order.number, "href": inbound_url(order),
              "note": f"{order.customer} · {order.get_state_display()}"}]
    return render(request, title=f"{title} · {order.number}", cards=cards, sections=[
        {"kind": "form", "title": title, "forms": forms_, "submit_label": submit_label, "note": note,
         "variant": variant, "cancel_href": inbound_url(order)}])


def inbound_action(request, pk, action):
    require(request, "orders.view_inboundorder")
    if action not in INBOUND_ACTIONS:
        raise Http404
    order = _get_inbound(request, pk)
    if not request.user.has_perm(INBOUND_ACTIONS[action][1]):
        refused(request, DomainPermissionDenied())
        return redirect(inbound_url(order))
    detail = selectors.inbound_detail(user=request.user, order=order)
    if action not in inbound_action_keys(order, detail["receipts"]) and request.method != "POST":
        messages.warning(request, _("入库单%(n)s当前状态为“%(s)s”，不能%(a)s") % {
            "n": order.number, "s": order.get_state_display(), "a": INBOUND_ACTIONS[action][0]})
        return redirect(inbound_url(order))
    return {"receive": _receive, "putaway": _putaway, "cancel": _inbound_cancel}[action](request, order, detail)


def _receive(request, order, detail):
    lines = [d["line"] for d in detail["lines"]]
    formset = formset_factory(forms.ReceiveLineForm, extra=0)(
        request.POST or None, prefix="receive", initial=[
            {"quantity_good": max(line.expected_quantity - line.received_good - line.received_damaged, 0)
             if order.state == InboundState.NOTIFIED else None, "lot_number": line.lot_number} for line in lines])
    formset.info_headers = [_("行号"), _("货品"), _("预报数量"), _("已收")]
    for form, line in zip(formset, lines, strict=False):
        form.info = [line.line_no, f"{line.item.code} {line.item.name}", line.expected_quantity,
                     line.received_good + line.received_damaged]
    finish = forms.ReceiveFinishForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and finish.is_valid():
        receipts, sent = [], []
        for form, line in zip(formset, lines, strict=True):
            data = form.cleaned_data or form.initial
            if not (data.get("quantity_good") or data.get("quantity_damaged")):
                continue
            sent.append(form)
            receipts.append({"line": line.pk, "quantity_good": data.get("quantity_good") or 0,
                             "quantity_damaged": data.get("quantity_damaged") or 0,
                             "lot_number": data.get("lot_number"), "production_date": data.get("production_date"),
                             "expiry_date": data.get("expiry_date"), "note": data.get("note")})
        formset.sent = sent
        try:
            order = services.inbound_receive(actor=request.user, order=order, receipts=receipts,
                                             finish=finish.cleaned_data["finish"])
        except DomainError as exc:
            formset_errors(formset, exc, "receipts")
        else:
            done(request, _("入库单%(n)s已收货，当前状态：%(s)s") % {"n": order.number, "s": order.get_state_display()})
            return redirect(inbound_url(order))
    return _inbound_form_page(request, order, title=_("收货"), forms_=[formset, finish], submit_label=_("登记收货"),
                              note=_("按实际到货填写良品与破损数量及批次信息；短少、超收与破损会告知客户。"))


def _putaway(request, order, detail):
    receipts = [r for r in detail["receipts"] if r.to_put_away > 0]
    options = []
    for r in receipts:
        suggestions = stock.putaway_suggestions(item=r.line.item, quantity=r.to_put_away, warehouse=order.warehouse,
                                                lot=r.lot)
        options.append([(s.location.pk, s.location.code + (f"（{_('剩余')}{s.free}）" if s.free is not None else ""))
                        for s in suggestions])
    formset = formset_factory(forms.PutawayLineForm, extra=0)(
        request.POST or None, prefix="putaway", initial=[{"quantity": r.to_put_away} for r in receipts],
        form_kwargs={"locations": ()})
    for form, choices in zip(formset, options, strict=False):
        form.fields["location"].choices = [("", _("自动（推荐库位）"))] + choices
    formset.info_headers = [_("货品"), _("批号"), _("收货库位"), _("待上架")]
    for form, r in zip(formset, receipts, strict=False):
        form.info = [f"{r.line.item.code} {r.line.item.name}", r.lot.lot_number, r.location.code, r.to_put_away]
    if request.method == "POST" and formset.is_valid():
        placements, sent = [], []
        for form, r in zip(formset, receipts, strict=True):
            data = form.cleaned_data or form.initial
            quantity = data.get("quantity")
            if not quantity:
                continue
            location = data.get("location")
            sent.append(form)
            placements.append({"receipt": r.pk, "quantity": quantity,
                               "location": Location.objects.filter(pk=location).first() if location else None})
        formset.sent = sent
        try:
            if not placements:
                raise DomainError(_("请填写上架数量"))
            order = services.inbound_putaway(actor=request.user, order=order, placements=placements)
        except DomainError as exc:
            formset_errors(formset, exc, "placements")
        else:
            done(request, _("入库单%(n)s已上架，当前状态：%(s)s") % {"n": order.number, "s": order.get_state_display()})
            return redirect(inbound_url(order))
    return _inbound_form_page(request, order, title=_("上架"), forms_=[formset], submit_label=_("确认上架"),
                              note=_("目标库位不选时放到推荐库位（兼容的库区、容量足够）。"))


def _inbound_cancel(request, order, detail):
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("取消原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.inbound_cancel(actor=request.user, order=order, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, _("入库单%(n)s已取消") % {"n": order.number})
            return redirect(inbound_url(order))
    return _inbound_form_page(request, order, title=_("取消入库单"), forms_=[form], submit_label=_("取消入库单"),
                              variant="danger")


def inbound_new(request):
    """入库预报: CS records the customer's advance shipping notice."""
    require(request, "orders.add_inboundorder")
    form = forms.InboundNewForm(request.POST or None, user=request.user)
    formset = forms.AsnLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        filled = [f for f in formset if f.cleaned_data.get("item_code")]
        formset.sent = filled
        lines = [{"item_code": f.cleaned_data["item_code"], "quantity": f.cleaned_data["quantity"],
                  "lot_number": f.cleaned_data["lot_number"]} for f in filled]
        try:
            order, created = services.inbound_create(
                actor=request.user, customer=data["customer"], data=form.header(), lines=lines,
                channel=data["channel"], external_ref=data["external_ref"])
        except DomainError as exc:
            add_domain_errors(form, exc)
            formset_errors(formset, exc, "lines")
        else:
            if created:
                done(request, _("入库单%(n)s已创建") % {"n": order.number})
            else:
                messages.info(request, _("客户单号%(ref)s已有入库单%(n)s，未重复建单") % {
                    "ref": order.external_ref, "n": order.number})
            return redirect(inbound_url(order))
    return render(request, title=_("新建入库单"), sections=[
        {"kind": "form", "title": _("入库预报（ASN）"), "forms": [form, formset], "submit_label": _("提交入库预报"),
         "cancel_href": reverse("admin:orders_inboundorder_changelist")}])


# ---- pick lists -------------------------------------------------------------------------------

def picklist_page(request, pk):
    require(request, "orders.view_picklist")
    pick_list = selectors.picklist_list(user=request.user).filter(pk=pk).first()
    if pick_list is None:
        raise Http404(_("记录不存在或无权访问"))
    lines = selectors.picklist_lines(user=request.user, pick_list=pick_list)
    orders = {line.order.pk: line.order for line in lines}
    open_lines = [line for line in lines if not line.confirmed_at and not line.cancelled]
    if request.method == "POST" and request.POST.get("go") == "confirm_all":
        require(request, "orders.confirm_pick")
        try:
            services.picklist_confirm_all(actor=request.user, pick_list=pick_list)
        except DomainError as exc:
            refused(request, exc)
        else:
            done(request, _("拣货单%(n)s的%(k)d行已全部按应拣数量确认") % {"n": pick_list.number, "k": len(open_lines)})
        return redirect(request.path)
    if request.GET.get("print"):
        return TemplateResponse(request, "orders/admin/picklist_print.html", {
            "pick_list": pick_list, "lines": [line for line in lines if not line.cancelled],
            "orders": [o.number for o in orders.values()], "created_by": who(pick_list.created_by),
            "created_at": when(pick_list.created_at), "printed_at": when(timezone.now()),
            "back_url": request.path})
    done_lines = sum(1 for line in lines if line.confirmed_at or line.cancelled)
    cards = [
        {"label": _("状态"), "value": pick_list.get_state_display(), "note": pick_list.number},
        {"label": _("已确认行"), "value": f"{done_lines} / {len(lines)}"},
        {"label": _("创建"), "value": who(pick_list.created_by), "note": when(pick_list.created_at)},
        {"label": _("订单数"), "value": len(orders)},
    ]
    buttons = [{"label": _("打印拣货单"), "icon": "print", "href": f"{request.path}?print=1", "variant": "primary"}]
    if request.user.has_perm("orders.confirm_pick") and open_lines:
        buttons.append({"label": _("全部按应拣数量确认"), "icon": "select_check_box", "name": "go",
                        "value": "confirm_all", "variant": "default"})
    if request.user.has_perm("orders.confirm_pick"):
        buttons += [{"label": _("确认拣货：%(n)s") % {"n": o.number}, "icon": "done_all", "href": action_url(o, "pick")}
                    for o in orders.values() if o.state in (OutboundState.PICKING, OutboundState.SUSPENDED)]
    sections = [
        {"kind": "buttons", "id": "order-actions", "buttons": buttons},
        {"kind": "table", "title": _("拣货明细（按库位顺序）"), "headers": [
            _("库位"), _("货品编码"), _("货品名称"), _("批号"), _("到期日期"), _("应拣数量"), _("出库单"),
            _("实拣数量"), _("破损数量"), _("拣货人")],
         "rows": [[line.location_code, line.item.code, line.item.name, line.lot.lot_number,
                   when(line.lot.expiry_date), line.quantity, link(order_url(line.order), line.order.number),
                   _("已作废") if line.cancelled else (line.picked if line.confirmed_at else NO_DATA),
                   line.damaged if line.confirmed_at else NO_DATA, who(line.confirmed_by)] for line in lines]},
    ]
    return render(request, title=_("拣货单%(n)s") % {"n": pick_list.number}, cards=cards, sections=sections)

