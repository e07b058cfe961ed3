"""Back-office pages of the service app: a complaint's page (facts, deadlines, SLA status, timeline)
with a form for each step its state allows, 登记投诉, an inquiry's page with its answer form,
登记沟通记录, and the work lists 我的待办 / 团队待办.

Every page reads through the selectors and every change is one service call; a `DomainError`
comes back as form errors, never as an error page.
"""

import re

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from depot.core import worklist
from depot.core.admin import add_domain_errors
from depot.core.errors import DomainError, NotFound
from depot.customers.models import Contact
from depot.customers.selectors import customer_list
from depot.service import forms, policy, selectors, services
from depot.service.choices import ComplaintState, EscalationLevel, SlaStatus

PAGE = "core/admin/page.html"
NO_DATA = "—"


def require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def render(request, *, title, **context) -> TemplateResponse:
    return TemplateResponse(request, PAGE, {**admin.site.each_context(request), "title": title,
                                            "page_id": "orders-page", **context})


def when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else NO_DATA


def who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else NO_DATA


def link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def complaint_url(complaint) -> str:
    return reverse("admin:service_complaint_change", args=[complaint.pk])


def inquiry_url(inquiry) -> str:
    return reverse("admin:service_inquiry_change", args=[inquiry.pk])


def _attempt(request, form, call, success: str) -> bool:
    """Run one service call for a valid form; on a DomainError put its messages on the form."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        return False
    messages.success(request, success)
    return True


# ---- complaints -------------------------------------------------------------------------------


def _get_complaint(request, pk):
    try:
        return selectors.complaint_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _handlers():
    User = get_user_model()
    return User.objects.filter(is_active=True, groups__name__in=["cs_specialist", "cs_supervisor"]).distinct().order_by(
        "username")


def complaint_page(request, pk):
    require(request, "service.view_complaint")
    complaint = _get_complaint(request, pk)
    user = request.user
    can_handle = user.has_perm("service.handle_complaint")
    posted = request.GET.get("form") or request.POST.get("form") if request.method == "POST" else None
    bound = {name: (request.POST if posted == name else None) for name in ("note", "answer", "verdict", "assign")}
    forms_ = {
        "note": forms.NoteForm(bound["note"], prefix="note"),
        "answer": forms.AnswerForm(bound["answer"], prefix="answer", initial={
            "root_cause": complaint.root_cause, "corrective_action": complaint.corrective_action}),
        "verdict": forms.VerdictForm(bound["verdict"], prefix="verdict"),
        "assign": forms.AssignForm(bound["assign"], prefix="assign", users=_handlers(),
                                   initial={"assignee": complaint.assignee_id, "department": complaint.department}),
    }
    if request.method == "POST":
        if not can_handle:
            raise PermissionDenied
        name = posted
        calls = {
            "note": (lambda d: services.complaint_note_add(actor=user, complaint=complaint, note=d["note"],
                                                           visible_to_customer=d["visible_to_customer"]),
                     _("调查记录已保存")),
            "answer": (lambda d: services.complaint_answer(actor=user, complaint=complaint, answer=d["answer"],
                                                           root_cause=d["root_cause"],
                                                           corrective_action=d["corrective_action"]),
                       _("答复已发送给客户")),
            "verdict": (lambda d: services.complaint_customer_verdict(actor=user, complaint=complaint,
                                                                      accepted=d["accepted"], reason=d["reason"]),
                        _("客户意见已登记")),
            "assign": (lambda d: services.complaint_assign(actor=user, complaint=complaint, assignee=d["assignee"],
                                                           department=d["department"]),
                       _("已分派")),
        }
        if name in calls and _attempt(request, forms_[name], *calls[name]):
            return redirect(request.path)

    sla = selectors.complaint_sla(complaint)
    kind, deadline = policy.active_deadline(first_responded_at=complaint.first_responded_at,
                                            first_response_due=complaint.first_response_due,
                                            resolution_due=complaint.resolution_due)
    cards = [
        {"label": _("状态"), "value": complaint.get_state_display(),
         "note": SlaStatus(sla).label if sla else _("不计时")},
        {"label": _("客户"), "value": str(complaint.customer),
         "note": f"{complaint.customer.get_grade_display()} · {complaint.get_channel_display()}"},
        {"label": _("类别 / 严重程度"),
         "value": f"{complaint.get_category_display()} / {complaint.get_severity_display()}",
         "note": _("升级级别：%(l)s · 客户不接受%(n)d次") % {
             "l": EscalationLevel(complaint.escalation_level).label, "n": complaint.rejection_count}},
        {"label": _("首次响应期限"), "value": when(complaint.first_response_due),
         "note": _("响应时间：%(t)s") % {"t": when(complaint.first_responded_at)}},
        {"label": _("处理期限"), "value": when(complaint.resolution_due),
         "note": _("答复：%(a)s · 关闭：%(c)s") % {"a": when(complaint.answered_at), "c": when(complaint.closed_at)}},
        {"label": _("处理人"), "value": who(complaint.assignee), "note": complaint.department or NO_DATA},
    ]
    sections = [{"kind": "text", "title": _("投诉内容"), "lines": complaint.description.splitlines() + [
        _("相关出库单：%(o)s") % {"o": "、".join(o.number for o in complaint.orders.all()) or NO_DATA},
        _("联系人：%(c)s") % {"c": complaint.contact.name if complaint.contact_id else NO_DATA},
        _("当前期限：%(k)s %(d)s") % {"k": _("首次响应") if kind == "first_response" else _("处理"),
                                    "d": when(deadline)},
    ]}]
    for title, text in ((_("调查情况"), complaint.investigation), (_("根本原因"), complaint.root_cause),
                        (_("纠正措施"), complaint.corrective_action), (_("答复客户内容"), complaint.answer),
                        (_("最近不接受原因"), complaint.last_rejection_reason)):
        if text:
            sections.append({"kind": "text", "title": title, "lines": text.splitlines()})
    if can_handle:
        active = complaint.state != ComplaintState.CLOSED
        if active:
            sections.append({"kind": "form", "title": _("添加调查记录"), "forms": [forms_["note"]],
                             "submit_label": _("保存记录")})
        if policy.can_transition(complaint.state, ComplaintState.ANSWERED):
            sections.append({"kind": "form", "title": _("答复客户"), "forms": [forms_["answer"]],
                             "submit_label": _("发送答复")})
        if complaint.state == ComplaintState.ANSWERED:
            sections.append({"kind": "form", "title": _("登记客户意见"), "forms": [forms_["verdict"]],
                             "submit_label": _("登记"),
                             "note": _("客户不接受时投诉重新打开、升级一级并重新计算处理期限")})
        if active:
            sections.append({"kind": "form", "title": _("分派"), "forms": [forms_["assign"]],
                             "submit_label": _("分派"), "variant": "default"})
    for section in sections:
        if section["kind"] == "form":
            name = section["forms"][0].prefix
            section["action"] = f"{request.path}?form={name}"
    events = selectors.complaint_timeline(user=user, complaint=complaint)
    sections.append({"kind": "table", "title": _("处理轨迹"), "headers": [
        _("时间"), _("事件"), _("状态"), _("级别"), _("操作人"), _("说明"), _("客户可见")],
        "rows": [[when(e.at), e.get_kind_display(),
                  f"{ComplaintState(e.from_state).label} → {ComplaintState(e.to_state).label}"
                  if e.from_state and e.to_state else (ComplaintState(e.to_state).label if e.to_state else ""),
                  EscalationLevel(e.escalation_level).label, who(e.actor) if e.actor_id else _("系统"), e.note,
                  _("是") if e.visible_to_customer else _("否")] for e in events]})
    return render(request, title=_("投诉 %(code)s") % {"code": complaint.code}, cards=cards, sections=sections)


def complaint_new(request):
    require(request, "service.add_complaint")
    user = request.user
    customers = customer_list(user=user).order_by("code")
    form = forms.ComplaintForm(request.POST or None, customers=customers,
                               contacts=Contact.objects.filter(customer__in=customers).select_related("customer"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        from depot.orders.models import OutboundOrder

        numbers = [n for n in re.split(r"[\s,，、]+", d["order_numbers"] or "") if n]
        orders = list(OutboundOrder.objects.filter(number__in=numbers, customer=d["customer"]))
        if len(orders) != len(set(numbers)):
            form.add_error("order_numbers", _("出库单号不存在或不属于该客户"))
        else:
            try:
                complaint = services.complaint_create(actor=user, customer=d["customer"], data={
                    "contact": d["contact"], "channel": d["channel"], "category": d["category"],
                    "severity": d["severity"], "description": d["description"], "orders": orders,
                    "department": d["department"]})
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("投诉%(code)s已登记") % {"code": complaint.code})
                return redirect(complaint_url(complaint))
    return render(request, title=_("登记投诉"), sections=[
        {"kind": "form", "title": _("投诉信息"), "forms": [form], "submit_label": _("登记"),
         "cancel_href": reverse("admin:service_complaint_changelist")}])


# ---- inquiries --------------------------------------------------------------------------------


def inquiry_page(request, pk):
    require(request, "service.view_inquiry")
    try:
        inquiry = selectors.inquiry_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    form = forms.InquiryAnswerForm(request.POST or None)
    if request.method == "POST":
        require(request, "service.change_inquiry")
        if _attempt(request, form, lambda d: services.inquiry_answer(actor=request.user, inquiry=inquiry,
                                                                     answer=d["answer"]), _("答复已登记")):
            return redirect(request.path)
    overdue = inquiry.response_due and inquiry.answered_at is None and inquiry.response_due < timezone.now()
    cards = [
        {"label": _("状态"), "value": inquiry.get_state_display(), "note": _("已超时") if overdue else ""},
        {"label": _("客户"), "value": str(inquiry.customer),
         "note": f"{inquiry.get_channel_display()} · {inquiry.contact.name if inquiry.contact_id else NO_DATA}"},
        {"label": _("受理时间"), "value": when(inquiry.received_at),
         "note": _("负责人：%(o)s") % {"o": who(inquiry.owner)}},
        {"label": _("答复期限"), "value": when(inquiry.response_due),
         "note": _("答复时间：%(t)s") % {"t": when(inquiry.answered_at)}},
    ]
    sections = [{"kind": "text", "title": _("咨询内容"), "lines": inquiry.question.splitlines()}]
    if inquiry.answer:
        sections.append({"kind": "text", "title": _("答复内容"), "lines": inquiry.answer.splitlines()})
    elif request.user.has_perm("service.change_inquiry"):
        sections.append({"kind": "form", "title": _("登记答复"), "forms": [form], "submit_label": _("保存答复")})
    return render(request, title=_("沟通记录"), cards=cards, sections=sections)


def inquiry_new(request):
    require(request, "service.add_inquiry")
    user = request.user
    customers = customer_list(user=user).order_by("code")
    form = forms.InquiryForm(request.POST or None, customers=customers,
                             contacts=Contact.objects.filter(customer__in=customers).select_related("customer"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inquiry = services.inquiry_create(actor=user, customer=d["customer"], data={
                "contact": d["contact"], "channel": d["channel"], "question": d["question"], "answer": d["answer"],
                "response_due": d["response_due"]})
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("沟通记录已登记"))
            return redirect(inquiry_url(inquiry))
    return render(request, title=_("登记沟通记录"), sections=[
        {"kind": "form", "title": _("沟通信息"), "forms": [form], "submit_label": _("登记"),
         "cancel_href": reverse("admin:service_inquiry_changelist")}])


# ---- work lists -------------------------------------------------------------------------------


def _worklist_page(request, *, team: bool, title):
    tasks = worklist.collect(user=request.user, team=team)
    overdue = sum(1 for t in tasks if t.overdue)
    cards = [{"label": _("待办总数"), "value": len(tasks)}, {"label": _("已超时"), "value": overdue}]
    headers = [_("类型"), _("事项"), _("客户"), _("期限"), _("负责人"), _("说明")]
    rows = [[t.kind, link(t.url, t.title), t.customer or NO_DATA,
             format_html('<span class="text-red-600 font-semibold">{}</span>', _due(t.due)) if t.overdue else _due(
                 t.due), t.owner or NO_DATA, t.detail] for t in tasks]
    return render(request, title=title, cards=cards, sections=[
        {"kind": "table", "title": title, "headers": headers, "rows": rows,
         "note": _("超时事项排在最前，其余按期限先后排列") if rows else _("暂无待办事项")}])


def _due(value) -> str:
    if value is None:
        return NO_DATA
    if hasattr(value, "hour"):
        return when(value)
    return date_format(value, "Y-m-d")


def worklist_mine(request):
    require(request, "service.view_inquiry")
    return _worklist_page(request, team=False, title=_("我的待办"))


def worklist_team(request):
    require(request, "service.view_all_complaints")
    return _worklist_page(request, team=True, title=_("团队待办"))
