"""Back-office pages of follow-ups and care tasks: a follow-up's page with its record-outcome,
reschedule and cancel forms, the plan-a-follow-up form, and a care task's page with its mark-sent
and skip forms. Every page reads through the selectors and every change is one service call; a
`DomainError` comes back on the form, never as an error page."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from depot.core.admin import add_domain_errors, audit_action_label
from depot.core.audit import audit_history
from depot.core.errors import DomainError, NotFound
from depot.customers.selectors import customer_list
from depot.followups import forms, selectors, services
from depot.followups.choices import CareState, FollowUpReason, FollowUpState

PAGE = "core/admin/page.html"
NO_DATA = "—"


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _render(request, *, title, **context) -> TemplateResponse:
    return TemplateResponse(request, PAGE, {**admin.site.each_context(request), "title": title,
                                            "page_id": "followups-page", **context})


def when(value) -> str:
    if value is None:
        return NO_DATA
    if hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return date_format(value, "Y-m-d")


def who(user) -> str:
    if user is None:
        return NO_DATA
    return user.get_full_name() or user.get_username()


def followup_url(followup) -> str:
    return reverse("admin:followups_followup_change", args=[followup.pk])


def caretask_url(task) -> str:
    return reverse("admin:followups_caretask_change", args=[task.pk])


def _history_section(obj) -> dict:
    return {"kind": "table", "title": _("变更历史"), "headers": [_("时间"), _("操作人"), _("动作"), _("说明")],
            "rows": [[when(e.at), e.actor_label, audit_action_label(e.action), e.note or NO_DATA]
                     for e in audit_history(obj).order_by("-id")]}


# ---- follow-ups -------------------------------------------------------------------------------

def _get_followup(request, pk):
    try:
        return selectors.followup_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None


def followup_page(request, pk, *, bound: dict | None = None):
    _require(request, "followups.view_followup")
    followup = _get_followup(request, pk)
    user = request.user
    today = timezone.localdate()
    status = followup.get_state_display()
    if followup.state == FollowUpState.PLANNED and followup.planned_on < today:
        status = _("逾期%(d)d天") % {"d": (today - followup.planned_on).days}
    cards = [
        {"label": _("客户"), "value": str(followup.customer), "note": followup.customer.get_grade_display()},
        {"label": _("回访原因"), "value": followup.get_reason_display(), "note": followup.source_ref},
        {"label": _("计划回访日期"), "value": when(followup.planned_on), "note": _("回访人：%(u)s") % {
            "u": who(followup.assignee)}},
        {"label": _("状态"), "value": status, "note": followup.cancel_reason},
    ]
    sections = []
    if followup.state == FollowUpState.DONE:
        sections.append({"kind": "text", "title": _("回访结果"), "lines": [
            _("回访时间：%(t)s（%(o)s）") % {"t": when(followup.done_at),
                                           "o": _("按时") if followup.done_on_time else _("逾期完成")},
            _("结果：%(r)s") % {"r": followup.get_outcome_display()},
            _("满意度：%(s)s") % {"s": "★" * followup.satisfaction if followup.satisfaction else _("未评分")},
            _("方式：%(c)s") % {"c": followup.get_channel_display() or NO_DATA},
            _("联系人：%(c)s") % {"c": followup.contact.name if followup.contact_id else NO_DATA},
            *(followup.notes.splitlines() or []),
        ]})
    elif followup.notes:
        sections.append({"kind": "text", "title": _("回访目的"), "lines": followup.notes.splitlines()})
    if followup.state == FollowUpState.PLANNED:
        bound = bound or {}
        action = lambda key: reverse("admin:followups_followup_action", args=[followup.pk, key])  # noqa: E731
        if user.has_perm("followups.record_followup"):
            sections.append({"kind": "form", "title": _("登记回访结果"), "action": action("record"),
                             "form": bound.get("record", forms.RecordForm()), "submit_label": _("保存回访结果")})
        if user.has_perm("followups.change_followup"):
            sections.append({"kind": "form", "title": _("改期"), "action": action("reschedule"),
                             "form": bound.get("reschedule", forms.RescheduleForm()), "submit_label": _("改期"),
                             "variant": "default"})
            sections.append({"kind": "form", "title": _("取消回访"), "action": action("cancel"),
                             "form": bound.get("cancel", forms.CancelForm()), "submit_label": _("取消回访"),
                             "variant": "danger"})
    sections.append(_history_section(followup))
    return _render(request, title=_("回访：%(c)s") % {"c": followup.customer}, cards=cards, sections=sections)


FOLLOWUP_FORMS = {"record": forms.RecordForm, "reschedule": forms.RescheduleForm, "cancel": forms.CancelForm}


def followup_action(request, pk, action):
    _require(request, "followups.view_followup")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    followup = _get_followup(request, pk)
    form_class = FOLLOWUP_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "record":
                services.followup_record(actor=request.user, followup=followup, outcome=data["outcome"],
                                         satisfaction=data["satisfaction"] or None, notes=data["notes"],
                                         channel=data["channel"], done_at=data["done_at"])
                messages.success(request, _("回访结果已保存"))
            elif action == "reschedule":
                services.followup_reschedule(actor=request.user, followup=followup, planned_on=data["planned_on"],
                                             reason=data["reason"])
                messages.success(request, _("回访已改期"))
            else:
                services.followup_cancel(actor=request.user, followup=followup, reason=data["reason"])
                messages.success(request, _("回访已取消"))
            return redirect(followup_url(followup))
        except DomainError as exc:
            add_domain_errors(form, exc)
    return followup_page(request, pk, bound={action: form})


def followup_new(request):
    _require(request, "followups.add_followup")
    customers = customer_list(user=request.user).order_by("code")
    form = forms.PlanForm(request.POST or None, customers=customers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            followup = services.followup_plan(actor=request.user, customer=data["customer"],
                                              planned_on=data["planned_on"], reason=FollowUpReason.MANUAL,
                                              notes=data["notes"])
            messages.success(request, _("回访计划已创建"))
            return redirect(followup_url(followup))
        except DomainError as exc:
            add_domain_errors(form, exc)
    section = {"kind": "form", "title": _("安排回访"), "form": form, "action": request.path,
               "submit_label": _("保存"), "cancel_href": reverse("admin:followups_followup_changelist")}
    return _render(request, title=_("安排回访"), sections=[section])


# ---- care tasks -------------------------------------------------------------------------------

def _get_task(request, pk):
    try:
        return selectors.care_task_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None


def caretask_page(request, pk, *, bound: dict | None = None):
    _require(request, "followups.view_caretask")
    task = _get_task(request, pk)
    occasion = task.festival.name if task.festival_id else task.get_occasion_display()
    contact = task.contact
    cards = [
        {"label": _("联系人"), "value": contact.name, "note": str(task.customer)},
        {"label": _("关怀类型"), "value": occasion, "note": _("首选联系方式：%(c)s") % {
            "c": contact.get_preferred_channel_display()}},
        {"label": _("日期"), "value": when(task.occasion_date),
         "note": _("提醒日期：%(d)s") % {"d": when(task.due_on)}},
        {"label": _("状态"), "value": task.get_state_display(),
         "note": " ".join(filter(None, [task.get_channel_display(), who(task.sent_by) if task.sent_by_id else "",
                                        when(task.sent_at) if task.sent_at else "", task.skip_reason]))},
    ]
    sections = [{"kind": "text", "title": _("建议祝福语") if task.state == CareState.PENDING else _("祝福语"),
                 "lines": task.message.splitlines()}]
    if task.state == CareState.PENDING and request.user.has_perm("followups.change_caretask"):
        bound = bound or {}
        action = lambda key: reverse("admin:followups_caretask_action", args=[task.pk, key])  # noqa: E731
        sections.append({"kind": "form", "title": _("标记已发送"), "action": action("sent"),
                         "form": bound.get("sent", forms.SentForm(initial={"channel": contact.preferred_channel})),
                         "submit_label": _("标记已发送")})
        sections.append({"kind": "form", "title": _("跳过"), "action": action("skip"),
                         "form": bound.get("skip", forms.SkipForm()), "submit_label": _("跳过"), "variant": "default"})
    sections.append(_history_section(task))
    return _render(request, title=_("关怀任务：%(o)s · %(c)s") % {"o": occasion, "c": contact.name}, cards=cards,
                   sections=sections)


def caretask_action(request, pk, action):
    _require(request, "followups.view_caretask")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    task = _get_task(request, pk)
    form_class = {"sent": forms.SentForm, "skip": forms.SkipForm}.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "sent":
                services.care_mark_sent(actor=request.user, task=task, channel=data["channel"], message=data["message"])
                messages.success(request, _("已标记为已发送"))
            else:
                services.care_skip(actor=request.user, task=task, reason=data["reason"])
                messages.success(request, _("已跳过"))
            return redirect(caretask_url(task))
        except DomainError as exc:
            add_domain_errors(form, exc)
    return caretask_page(request, pk, bound={action: form})
