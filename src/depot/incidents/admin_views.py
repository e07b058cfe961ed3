"""Back-office pages of incidents and delay notices: an incident's page (facts, affected goods,
photos, claim, recoveries, history) with a button for each step its state allows, each step's
small form, 登记货损货丢, the approval queue, a photo download for staff, and the delay notice
pages. Every change is one service call; a `DomainError` comes back on the form or as a message.
"""

import contextlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from depot.core.admin import add_domain_errors
from depot.core.admin import audit_action_label as action_label
from depot.core.errors import DomainError, NotFound, ValidationFailed
from depot.core.errors import PermissionDenied as DomainPermissionDenied
from depot.customers.selectors import customer_list
from depot.incidents import forms, policy, selectors, services
from depot.incidents.choices import IncidentState, Liability, RecoveryState
from depot.incidents.models import Incident
from depot.inventory.models import Item, Location, Lot
from depot.orders import selectors as orders
from depot.orders.admin_views import (
    NO_DATA,
    Action,
    done,
    formset_errors,
    label,
    link,
    money,
    order_url,
    refused,
    render,
    when,
    who,
)

STATE_VARIANTS = {
    IncidentState.REGISTERED: "warning", IncidentState.ASSESSED: "info", IncidentState.PENDING_APPROVAL: "warning",
    IncidentState.APPROVED: "info", IncidentState.PAID: "success", IncidentState.CLOSED: "success",
    IncidentState.REJECTED: "danger", IncidentState.VOIDED: "",
}


def require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def incident_url(incident) -> str:
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def action_url(incident, action: str) -> str:
    return reverse("admin:incidents_incident_action", args=[incident.pk, action])


def photo_url(photo) -> str:
    return reverse("admin:incidents_incident_photo", args=[photo.incident_id, photo.pk])


def notice_url(notice) -> str:
    return reverse("admin:incidents_delaynotice_change", args=[notice.pk])


def state_label(incident) -> str:
    return label(incident.get_state_display(), STATE_VARIANTS.get(incident.state, ""))


def _get(request, pk) -> Incident:
    try:
        return selectors.incident_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None


# ---- the incident's page ------------------------------------------------------------------------

ACTIONS = {a.key: a for a in [
    Action("scene", _("记录现场"), "incidents.record_scene", "photo_camera", True, "primary"),
    Action("photo", _("上传照片"), "incidents.add_incidentphoto", "add_a_photo", True),
    Action("post", _("库存过账"), "incidents.post_incident_stock", "inventory", False, "primary"),
    Action("assess", _("定损"), "incidents.change_incident", "calculate", True, "primary"),
    Action("liability", _("责任认定"), "incidents.change_incident", "balance", True),
    Action("insurance", _("保险理赔"), "incidents.change_incident", "shield", True),
    Action("propose", _("提出赔偿"), "incidents.change_incident", "payments", True, "primary"),
    Action("decide", _("审批赔偿"), "incidents.approve_compensation", "gavel", True, "primary"),
    Action("pay", _("登记赔付"), "incidents.pay_compensation", "paid", True, "primary"),
    Action("recovery", _("发起追偿"), "incidents.change_incident", "undo", True),
    Action("recovered", _("登记追回"), "incidents.change_incident", "savings", True),
    Action("notify", _("通知客户"), "incidents.change_incident", "mail", True),
    Action("close", _("结案"), "incidents.change_incident", "task_alt", True),
    Action("void", _("作废"), "incidents.change_incident", "cancel", True, "danger"),
]}


def action_keys(incident: Incident, *, has_recoveries: bool, has_stock_lines: bool) -> list[str]:
    """The steps the incident's state allows (before the user's permissions are considered)."""
    state, keys = incident.state, []
    if incident.is_open:
        keys += ["scene", "photo"]
        if has_stock_lines and not incident.stock_posted_at:
            keys.append("post")
    if policy.can_move(state, IncidentState.ASSESSED):
        keys.append("assess")
    if incident.is_open:
        keys += ["liability", "insurance"]
    if incident.assessed_amount is not None and policy.can_move(state, IncidentState.PENDING_APPROVAL):
        keys.append("propose")
    if state == IncidentState.PENDING_APPROVAL:
        keys.append("decide")
    if state == IncidentState.APPROVED:
        keys.append("pay")
    if state != IncidentState.VOIDED:
        keys.append("recovery")
        if has_recoveries:
            keys.append("recovered")
    if incident.is_open:
        keys.append("notify")
    if policy.can_move(state, IncidentState.CLOSED):
        keys.append("close")
    if policy.can_move(state, IncidentState.VOIDED) and not incident.stock_posted_at:
        keys.append("void")
    return keys


def _buttons(user, incident, detail) -> list[dict]:
    buttons = []
    keys = action_keys(incident, has_recoveries=bool(detail["recoveries"]),
                       has_stock_lines=any(line.location_id for line in detail["lines"]))
    for key in keys:
        spec = ACTIONS[key]
        if not user.has_perm(spec.perm):
            continue
        if key == "decide" and incident.proposed_by_id == user.pk:
            continue
        button = {"label": spec.label, "icon": spec.icon, "variant": spec.variant, "name": "go", "value": key}
        if spec.has_form:
            button["href"] = action_url(incident, key)
        else:
            button["attrs"] = {"formaction": action_url(incident, key)}
        buttons.append(button)
    return buttons


def incident_page(request, pk):
    require(request, "incidents.view_incident")
    incident = _get(request, pk)
    detail = selectors.incident_detail(user=request.user, incident=incident)
    i = detail["incident"]
    cards = [
        {"label": _("状态"), "value": i.get_state_display(), "note": i.void_reason or i.close_note or i.decision_note},
        {"label": _("客户"), "value": str(i.customer), "note": _("出库单：%(o)s") % {
            "o": i.order.number if i.order_id else NO_DATA}, "href": order_url(i.order) if i.order_id else None},
        {"label": i.get_kind_display(), "value": when(i.occurred_at), "note": i.place or NO_DATA},
        {"label": _("定损金额"), "value": money(i.assessed_amount), "note": _("%(m)s · 货值合计%(v)s") % {
            "m": i.get_assessment_method_display() or _("未定损"), "v": money(sum(x.value for x in detail["lines"]))}},
        {"label": _("赔偿金额"), "value": money(i.compensation_amount), "note": _("提出：%(p)s · 审批：%(d)s") % {
            "p": who(i.proposed_by), "d": who(i.decided_by)}},
        {"label": _("已赔付"), "value": money(i.paid_amount), "note": _("凭证号：%(r)s · %(t)s") % {
            "r": i.payment_ref or NO_DATA, "t": when(i.paid_at)}},
        {"label": _("责任方"), "value": i.get_liability_display() or _("未认定"), "note": i.liable_party or ""},
        {"label": _("保险理赔"), "value": i.get_insurance_state_display(), "note": _(
            "%(insurer)s %(no)s · 索赔%(c)s · 赔付%(r)s") % {
                "insurer": i.insurer or NO_DATA, "no": i.insurance_claim_no, "c": money(i.insurance_claimed),
                "r": money(i.insurance_received)}},
    ]
    sections = []
    buttons = _buttons(request.user, i, detail)
    if buttons:
        sections.append({"kind": "buttons", "id": "incident-actions", "buttons": buttons})
    facts = [_("情况描述：%(d)s") % {"d": i.description},
             _("登记：%(who)s %(at)s") % {"who": who(i.created_by), "at": when(i.created_at)},
             _("现场记录：%(d)s（%(who)s %(at)s）") % {"d": i.scene_description or NO_DATA,
                                                  "who": who(i.scene_recorded_by), "at": when(i.scene_recorded_at)},
             _("首次通知客户：%(at)s") % {
                 "at": when(i.customer_notified_at) if i.customer_notified_at else _("未通知")},
             _("库存过账：%(at)s %(who)s") % {"at": when(i.stock_posted_at), "who": who(i.stock_posted_by)}]
    if i.over_assessment_reason:
        facts.append(_("超出定损金额的原因：%(r)s") % {"r": i.over_assessment_reason})
    if i.compensation_note:
        facts.append(_("赔偿方案：%(r)s") % {"r": i.compensation_note})
    if i.liability_note:
        facts.append(_("责任认定：%(r)s") % {"r": i.liability_note})
    sections.append({"kind": "text", "title": _("经过"), "lines": facts})
    sections.append({"kind": "table", "title": _("受损货品"), "headers": [
        _("货品"), _("批号"), _("库位"), _("数量"), _("单位货值"), _("货值"), _("库存流水")],
        "rows": [[f"{x.item.code} {x.item.name}", x.lot.lot_number if x.lot_id else NO_DATA,
                  x.location.code if x.location_id else NO_DATA, x.quantity, money(x.unit_value), money(x.value),
                  f"#{x.stock_move_id} {x.stock_move.get_kind_display()}" if x.stock_move_id else NO_DATA]
                 for x in detail["lines"]]})
    if detail["photos"]:
        sections.append({"kind": "table", "title": _("现场照片"), "headers": [
            _("照片"), _("说明"), _("大小"), _("上传人"), _("上传时间")],
            "rows": [[link(photo_url(p), p.original_name or _("照片%(n)d") % {"n": p.pk}), p.caption or NO_DATA,
                      f"{p.size / 1024:.0f} KB", who(p.uploaded_by), when(p.uploaded_at)] for p in detail["photos"]]})
    if detail["recoveries"]:
        sections.append({"kind": "table", "title": _("第三方追偿"), "headers": [
            _("追偿对象"), _("追偿金额"), _("已追回"), _("状态"), _("说明")],
            "rows": [[r.party, money(r.amount_claimed), money(r.amount_recovered), r.get_state_display(),
                      r.note or NO_DATA] for r in detail["recoveries"]]})
    sections.append({"kind": "table", "title": _("处理记录"), "headers": [_("时间"), _("操作人"), _("动作"), _("内容")],
                     "rows": [[when(e.at), e.actor_label, action_label(e.action),
                               e.note or "；".join(f"{k}: {v[1]}" for k, v in list(e.changes.items())[:6]) or NO_DATA]
                              for e in reversed(detail["history"])]})
    return render(request, title=_("货损货丢事件%(c)s") % {"c": i.code}, cards=cards, sections=sections)


# ---- the steps ----------------------------------------------------------------------------------

def incident_action(request, pk, action):
    require(request, "incidents.view_incident")
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    incident = _get(request, pk)
    if not request.user.has_perm(spec.perm):
        refused(request, DomainPermissionDenied())
        return redirect(incident_url(incident))
    if not spec.has_form:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            moves = services.incident_post_stock(actor=request.user, incident=incident)
        except DomainError as exc:
            refused(request, exc)
        else:
            done(request, _("库存已过账，生成流水%(ids)s") % {"ids": "、".join(f"#{m.pk}" for m in moves)})
        return redirect(incident_url(incident))
    return HANDLERS[action](request, incident)


def _page(request, incident, *, title, form, submit_label, note="", variant="primary", multipart=False):
    cards = [{"label": _("货损货丢事件"), "value": incident.code, "href": incident_url(incident),
              "note": f"{incident.customer} · {incident.get_state_display()}"}]
    return render(request, title=f"{title} · {incident.code}", cards=cards, sections=[
        {"kind": "form", "title": title, "forms": [form], "submit_label": submit_label, "note": note,
         "variant": variant, "multipart": multipart, "cancel_href": incident_url(incident)}])


def _step(request, incident, form, *, title, submit_label, call, message, note="", variant="primary",
          multipart=False):
    """Show `form`; on a valid POST run `call(cleaned_data)`, then back to the incident page."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, message)
            return redirect(incident_url(incident))
    return _page(request, incident, title=title, form=form, submit_label=submit_label, note=note, variant=variant,
                 multipart=multipart)


def _scene(request, incident):
    """The keeper's scene record, an optional photo, and — until the stock is posted — the affected
    goods as found (lot and location)."""
    form = forms.SceneForm(request.POST or None, request.FILES or None,
                           initial={"description": incident.scene_description})
    current = [{"item_code": x.item.code, "lot_number": x.lot.lot_number if x.lot_id else "",
                "location_code": x.location.code if x.location_id else "", "quantity": x.quantity,
                "unit_value": x.unit_value}
               for x in incident.lines.select_related("item", "lot", "location").order_by("pk")]
    formset = None
    if not incident.stock_posted_at:
        formset = forms.SceneLineFormSet(request.POST or None, prefix="lines", initial=current)
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                lines = None
                if formset is not None:
                    rows = [{k: f.cleaned_data.get(k) for k in ("item_code", "lot_number", "location_code",
                                                               "quantity", "unit_value")}
                            for f in formset if f.cleaned_data.get("item_code")]
                    key = ("item_code", "lot_number", "location_code", "quantity")
                    if [[r.get(k) or "" for k in key] for r in rows] != [[c[k] or "" for k in key] for c in current]:
                        lines = _line_objects(incident.customer, formset)
                services.incident_record_scene(actor=request.user, incident=incident,
                                               description=data["description"], lines=lines)
                if data.get("photo"):
                    try:
                        services.incident_photo_add(actor=request.user, incident=incident, file=data["photo"],
                                                    caption=data["caption"])
                    except ValidationFailed as exc:
                        exc.details = {"photo": exc.details.get("file", [exc.message])}
                        raise
        except DomainError as exc:
            add_domain_errors(form, exc)
            if formset is not None:
                formset_errors(formset, exc, "lines")
        else:
            done(request, _("现场记录已保存"))
            return redirect(incident_url(incident))
    cards = [{"label": _("货损货丢事件"), "value": incident.code, "href": incident_url(incident),
              "note": f"{incident.customer} · {incident.get_state_display()}"}]
    return render(request, title=_("记录现场 · %(c)s") % {"c": incident.code}, cards=cards, sections=[
        {"kind": "form", "title": _("记录现场"), "forms": [form] + ([formset] if formset is not None else []),
         "submit_label": _("保存现场记录"), "multipart": True, "cancel_href": incident_url(incident),
         "note": _("请按实际情况核对受损货品的批号、库位和数量，库存过账将按此扣减。") if formset is not None else
         _("库存已过账，受损货品明细不能再修改。")}])


def _photo(request, incident):
    form = forms.PhotoForm(request.POST or None, request.FILES or None)

    def call(data):
        try:
            services.incident_photo_add(actor=request.user, incident=incident, file=data["photo"],
                                        caption=data["caption"])
        except ValidationFailed as exc:
            exc.details = {"photo": exc.details.get("file", [exc.message])}
            raise
    return _step(request, incident, form, title=_("上传照片"), submit_label=_("上传"), call=call,
                 message=_("照片已上传"), multipart=True)


def _assess(request, incident):
    form = forms.AssessForm(request.POST or None, initial={"method": incident.assessment_method or "lines"})
    return _step(request, incident, form, title=_("定损"), submit_label=_("确认定损"),
                 call=lambda d: services.incident_assess(actor=request.user, incident=incident, method=d["method"],
                                                         appraised_amount=d["appraised_amount"], note=d["note"]),
                 message=_("定损完成"),
                 note=_("按“数量×货值”时，金额为受损货品数量乘以单位货值之和；按“评估金额”时请填写评估金额。"))


def _liability(request, incident):
    form = forms.LiabilityForm(request.POST or None, initial={
        "liability": incident.liability or Liability.WAREHOUSE, "liable_party": incident.liable_party,
        "note": incident.liability_note})
    return _step(request, incident, form, title=_("责任认定"), submit_label=_("保存"),
                 call=lambda d: services.incident_set_liability(actor=request.user, incident=incident,
                                                                liability=d["liability"],
                                                                liable_party=d["liable_party"], note=d["note"]),
                 message=_("责任认定已保存"))


def _insurance(request, incident):
    form = forms.InsuranceForm(request.POST or None, initial={
        "insurer": incident.insurer, "claim_no": incident.insurance_claim_no,
        "state": incident.insurance_state or "filed", "amount_claimed": incident.insurance_claimed,
        "amount_received": incident.insurance_received})
    return _step(request, incident, form, title=_("保险理赔"), submit_label=_("保存"),
                 call=lambda d: services.incident_set_insurance(actor=request.user, incident=incident, **d),
                 message=_("保险理赔信息已保存"))


def _propose(request, incident):
    form = forms.ProposeForm(request.POST or None, initial={"amount": incident.assessed_amount})
    return _step(request, incident, form, title=_("提出赔偿"), submit_label=_("提交审批"),
                 call=lambda d: services.incident_propose_compensation(
                     actor=request.user, incident=incident, amount=d["amount"], note=d["note"],
                     override_reason=d["override_reason"]),
                 message=_("赔偿方案已提交主管审批"),
                 note=_("定损金额：%(a)s。超出定损金额须由主管提出并填写原因。") % {
                     "a": money(incident.assessed_amount)})


def _decide(request, incident):
    form = forms.DecisionForm(request.POST or None)
    note = _("赔偿金额%(c)s，定损金额%(a)s，提出人%(p)s。%(o)s") % {
        "c": money(incident.compensation_amount), "a": money(incident.assessed_amount), "p": who(incident.proposed_by),
        "o": _("超额原因：%(r)s") % {"r": incident.over_assessment_reason} if incident.over_assessment_reason else ""}
    return _step(request, incident, form, title=_("审批赔偿"), submit_label=_("提交审批"),
                 call=lambda d: services.incident_decide_compensation(
                     actor=request.user, incident=incident, approve=d["decision"] == "approve", note=d["note"]),
                 message=_("审批已完成"), note=note)


def _pay(request, incident):
    form = forms.PayForm(request.POST or None, initial={"amount": incident.compensation_amount})
    return _step(request, incident, form, title=_("登记赔付"), submit_label=_("登记赔付"),
                 call=lambda d: services.incident_pay(actor=request.user, incident=incident,
                                                      payment_ref=d["payment_ref"], amount=d["amount"]),
                 message=_("赔付已登记"))


def _recovery(request, incident):
    form = forms.RecoveryForm(request.POST or None, initial={"party": incident.liable_party})
    return _step(request, incident, form, title=_("发起追偿"), submit_label=_("保存"),
                 call=lambda d: services.recovery_open(actor=request.user, incident=incident, **d),
                 message=_("追偿已登记"))


def _recovered(request, incident):
    recoveries = list(incident.recoveries.order_by("created_at", "pk"))
    form = forms.RecoveryRecordForm(request.POST or None, recoveries=recoveries)

    def call(d):
        recovery = next(r for r in recoveries if r.pk == d["recovery"])
        services.recovery_record(actor=request.user, recovery=recovery, amount_recovered=d["amount_recovered"],
                                 state=RecoveryState.WRITTEN_OFF if d["written_off"] else None, note=d["note"])
    return _step(request, incident, form, title=_("登记追回"), submit_label=_("保存"), call=call,
                 message=_("追偿进展已保存"))


def _notify(request, incident):
    form = forms.NotifyForm(request.POST or None)
    return _step(request, incident, form, title=_("通知客户"), submit_label=_("发送"),
                 call=lambda d: services.incident_notify_customer(actor=request.user, incident=incident,
                                                                  message=d["message"]),
                 message=_("已通知客户"))


def _close(request, incident):
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("结案说明")
    return _step(request, incident, form, title=_("结案"), submit_label=_("结案"),
                 call=lambda d: services.incident_close(actor=request.user, incident=incident, note=d["reason"]),
                 message=_("事件已结案"))


def _void(request, incident):
    form = forms.ReasonForm(request.POST or None)
    form.fields["reason"].label = _("作废原因")
    return _step(request, incident, form, title=_("作废"), submit_label=_("作废"), variant="danger",
                 call=lambda d: services.incident_void(actor=request.user, incident=incident, reason=d["reason"]),
                 message=_("事件已作废"))


HANDLERS = {"scene": _scene, "photo": _photo, "assess": _assess, "liability": _liability,
            "insurance": _insurance, "propose": _propose, "decide": _decide, "pay": _pay, "recovery": _recovery,
            "recovered": _recovered, "notify": _notify, "close": _close, "void": _void}


# ---- new incident -------------------------------------------------------------------------------

def _line_objects(customer, formset) -> list[dict]:
    """The filled rows as the service's line dicts; unknown codes become field errors."""
    lines, errors = [], {}
    filled = [f for f in formset if f.cleaned_data.get("item_code")]
    formset.sent = filled
    for n, form in enumerate(filled, start=1):
        data = form.cleaned_data
        item = Item.objects.filter(owner=customer, code=data["item_code"].strip()).first()
        if item is None:
            errors[f"lines[{n}].item_code"] = [_("该客户没有货品%(c)s") % {"c": data["item_code"]}]
            continue
        lot = Lot.objects.filter(item=item, lot_number=data["lot_number"].strip()).first() \
            if data.get("lot_number") else None
        if data.get("lot_number") and lot is None:
            errors[f"lines[{n}].lot_number"] = [_("货品%(i)s没有批号%(l)s") % {"i": item.code, "l": data["lot_number"]}]
        location = Location.objects.filter(code=data["location_code"].strip()).first() \
            if data.get("location_code") else None
        if data.get("location_code") and location is None:
            errors[f"lines[{n}].location_code"] = [_("库位%(c)s不存在") % {"c": data["location_code"]}]
        lines.append({"item": item, "lot": lot, "location": location, "quantity": data.get("quantity"),
                      "unit_value": data.get("unit_value")})
    if errors:
        raise ValidationFailed(details=errors)
    return lines


def incident_new(request):
    require(request, "incidents.add_incident")
    customers = customer_list(user=request.user).order_by("code")
    initial = {}
    order = None
    if request.GET.get("order"):
        try:
            order = orders.outbound_get(user=request.user, pk=request.GET["order"])
        except NotFound:
            order = None
        if order is not None:
            initial = {"customer": order.customer_id, "order_number": order.number}
    form = forms.IncidentForm(request.POST or None, customers=customers, initial=initial)
    formset = forms.LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            order = None
            if data["order_number"]:
                order = orders.outbound_list(user=request.user, customer=data["customer"]).filter(
                    number=data["order_number"].strip()).first()
                if order is None:
                    raise ValidationFailed(details={"order_number": [_("该客户没有出库单%(n)s") % {
                        "n": data["order_number"]}]})
            lines = _line_objects(data["customer"], formset)
            incident = services.incident_register(
                actor=request.user, customer=data["customer"], lines=lines,
                data={"kind": data["kind"], "occurred_at": data["occurred_at"], "place": data["place"],
                      "description": data["description"], "order": order})
        except DomainError as exc:
            add_domain_errors(form, exc)
            formset_errors(formset, exc, "lines")
        else:
            done(request, _("已登记货损货丢事件%(c)s") % {"c": incident.code})
            return redirect(incident_url(incident))
    return render(request, title=_("登记货损货丢"), sections=[
        {"kind": "form", "title": _("登记货损货丢"), "forms": [form, formset], "submit_label": _("登记"),
         "note": _("受损货品：货物在库时请填写批号和库位，以便库存过账；已发出的货物可只填货品和数量。"),
         "cancel_href": reverse("admin:incidents_incident_changelist")}])


# ---- approval queue and photos --------------------------------------------------------------------

def approval_queue(request):
    require(request, "incidents.approve_compensation")
    queue = list(selectors.approval_queue(user=request.user).select_related("proposed_by"))
    rows = [[link(incident_url(i), i.code), str(i.customer), i.get_kind_display(), money(i.assessed_amount),
             money(i.compensation_amount), i.over_assessment_reason or NO_DATA, who(i.proposed_by),
             when(i.proposed_at)] for i in queue]
    return render(request, title=_("赔偿审批"), sections=[{"kind": "table", "title": _("待审批的赔偿"), "headers": [
        _("事件编号"), _("客户"), _("类型"), _("定损金额"), _("赔偿金额"), _("超额原因"), _("提出人"), _("提出时间")],
        "rows": rows, "note": _("自己提出的赔偿不在此列，须由其他主管审批。")}])


def photo_view(request, pk, photo_pk):
    require(request, "incidents.view_incidentphoto")
    try:
        photo = selectors.photo_get(user=request.user, incident_pk=pk, pk=photo_pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件不存在")) from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0"
    return response


# ---- delay notices --------------------------------------------------------------------------------

def delay_notice_new(request):
    require(request, "incidents.add_delaynotice")
    initial = {}
    if request.GET.get("order"):
        with contextlib.suppress(NotFound):
            initial["order_number"] = orders.outbound_get(user=request.user, pk=request.GET["order"]).number
    form = forms.DelayNoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = orders.outbound_list(user=request.user).filter(number=data["order_number"].strip()).first()
            if order is None:
                raise ValidationFailed(details={"order_number": [_("出库单%(n)s不存在或无权访问") % {
                    "n": data["order_number"]}]})
            notice = services.delay_notice_create(actor=request.user, order=order,
                                                  reason_category=data["reason_category"], reason=data["reason"],
                                                  new_expected_at=data["new_expected_at"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, _("已向客户发送出库单%(n)s的延误通知") % {"n": notice.order.number})
            return redirect(notice_url(notice))
    return render(request, title=_("新建延误通知"), sections=[
        {"kind": "form", "title": _("新建延误通知"), "forms": [form], "submit_label": _("发送给客户"),
         "note": _("通知会写入订单轨迹（客户可见），并通过邮件/Webhook 告知客户。"),
         "cancel_href": reverse("admin:incidents_delaynotice_changelist")}])


def delay_notice_page(request, pk):
    require(request, "incidents.view_delaynotice")
    try:
        notice = selectors.delay_notice_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None
    form = forms.DelayUpdateForm(request.POST or None) if request.user.has_perm("incidents.add_delaynotice") else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.delay_update_add(actor=request.user, notice=notice, note=form.cleaned_data["note"],
                                      new_expected_at=form.cleaned_data["new_expected_at"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            done(request, _("延误进展已告知客户"))
            return redirect(notice_url(notice))
    updates = list(notice.updates.select_related("created_by").order_by("created_at", "pk"))
    order = notice.order
    cards = [
        {"label": _("出库单"), "value": order.number, "href": order_url(order),
         "note": f"{order.customer} · {order.get_state_display()}"},
        {"label": _("延误原因"), "value": notice.get_reason_category_display(), "note": notice.reason},
        {"label": _("预计送达时间"), "value": when(notice.current_expected_at),
         "note": _("首次通知：%(at)s %(who)s") % {"at": when(notice.created_at), "who": who(notice.created_by)}},
    ]
    sections = [{"kind": "table", "title": _("延误进展"), "headers": [_("时间"), _("更新人"), _("进展说明"),
                                                                   _("新的预计送达时间")],
                 "rows": [[when(u.created_at), who(u.created_by), u.note, when(u.new_expected_at)]
                          for u in reversed(updates)]}]
    if form is not None:
        sections.append({"kind": "form", "title": _("告知客户新的进展"), "forms": [form],
                         "submit_label": _("发送给客户"),
                         "cancel_href": reverse("admin:incidents_delaynotice_changelist")})
    return render(request, title=_("延误通知 · %(n)s") % {"n": order.number}, cards=cards, sections=sections)
