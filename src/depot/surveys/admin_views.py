"""Back-office pages of surveys: a campaign's page (send, remind, close; results with charts:
CSAT per dimension against the previous campaign, NPS, response rate, by grade, customer and
staff; the lowest dimensions with their comments and a button to start an improvement plan) and
an improvement plan's status and effectiveness review. Reads through the selectors, every change
is one service call; a `DomainError` comes back as a message."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.core.errors import DomainError, NotFound
from depot.surveys import policy, selectors, services
from depot.surveys.choices import CampaignChannel, CampaignState, PlanState

PAGE = "core/admin/page.html"
PURPLE, GREY, RED = "#9333ea", "#cbd5e1", "#dc2626"


def render(request, *, title, **context) -> TemplateResponse:
    return TemplateResponse(request, PAGE, {**admin.site.each_context(request), "title": title,
                                            "page_id": "depot-page", **context})


def pct(value) -> str:
    return f"{value}%" if value is not None else _("暂无数据")


def signed(value) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def when(value) -> str:
    if value is None:
        return "—"
    if hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return date_format(value, "Y-m-d")


def chart(data: dict, **options) -> tuple[str, str]:
    base = {"maintainAspectRatio": False, "animation": False, "scales": {"y": {"beginAtZero": True}}}
    base.update(options)
    return json.dumps(data, ensure_ascii=False), json.dumps(base, ensure_ascii=False)


def error_text(exc: DomainError) -> str:
    details = [str(m) for msgs in (exc.details or {}).values() for m in msgs]
    return "；".join(dict.fromkeys(details)) if details else str(exc.message)


def auto_reminders(campaign) -> str:
    if campaign.channel != CampaignChannel.EMAIL or not campaign.remind_every_days or not campaign.remind_limit:
        return _("不自动提醒")
    return _("每%(d)d天自动提醒未答复者，最多%(n)d次") % {"d": campaign.remind_every_days, "n": campaign.remind_limit}


def campaign_url(campaign) -> str:
    return reverse("admin:surveys_campaign_results", args=[campaign.pk])


def _post_campaign_action(request, campaign):
    actions = {"send": (services.campaign_send, _("已发出%(n)s份调查邀请")),
               "remind": (services.campaign_remind, _("已提醒%(n)s位未答复的联系人")),
               "close": (services.campaign_close, _("调查已结束"))}
    name = next((a for a in actions if a in request.POST), None)
    if name is None:
        return
    service, message = actions[name]
    try:
        result = service(actor=request.user, campaign=campaign)
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return
    messages.success(request, message % {"n": result if isinstance(result, int) else ""})


def campaign_page(request, pk):
    try:
        campaign = selectors.campaign_get(user=request.user, pk=pk)
    except NotFound:
        raise PermissionDenied from None
    if request.method == "POST":
        if not request.user.has_perm("surveys.send_campaign"):
            raise PermissionDenied
        _post_campaign_action(request, campaign)
        return redirect(campaign_url(campaign))
    r = selectors.campaign_results(user=request.user, campaign=campaign)
    o, prev = r["overall"], r["previous_overall"]
    cards = [
        {"label": _("邀请 / 答复"), "value": f"{o['invited']} / {o['responded']}",
         "note": _("答复率 %(r)s，%(auto)s") % {"r": pct(o["response_rate"]), "auto": auto_reminders(campaign)}},
        {"label": _("客户满意度 CSAT"), "value": pct(o["csat"]),
         "note": _("上次 %(p)s，变化 %(c)s") % {"p": pct(prev["csat"]) if prev else "—",
                                             "c": signed(policy.change(o["csat"], prev["csat"] if prev else None))}},
        {"label": _("净推荐值 NPS"), "value": o["nps"] if o["nps"] is not None else _("暂无数据"),
         "note": _("上次 %(p)s") % {"p": prev["nps"] if prev and prev["nps"] is not None else "—"}},
        {"label": _("平均分（1–5）"), "value": o["mean"] if o["mean"] is not None else _("暂无数据"),
         "note": _("状态：%(s)s，有效期至 %(e)s") % {"s": campaign.get_state_display(),
                                                "e": when(campaign.expires_at)}},
    ]
    sections = []
    buttons = []
    if request.user.has_perm("surveys.send_campaign"):
        if campaign.state == CampaignState.DRAFT:
            buttons.append({"label": _("发送调查"), "name": "send", "variant": "primary", "icon": "send"})
        elif campaign.state == CampaignState.SENT:
            buttons += [{"label": _("提醒未答复的联系人"), "name": "remind", "icon": "notifications"},
                        {"label": _("结束调查"), "name": "close", "icon": "stop_circle"}]
    if buttons:
        sections.append({"kind": "buttons", "buttons": buttons})
    dims = r["dimensions"]
    if any(d["csat"] is not None for d in dims):
        datasets = [{"label": campaign.name, "data": [float(d["csat"]) if d["csat"] is not None else None
                                                      for d in dims],
                     "backgroundColor": PURPLE, "maxBarThickness": 36}]
        if r["previous"]:
            datasets.insert(0, {"label": r["previous"].name,
                                "data": [float(d["previous"]) if d["previous"] is not None else None for d in dims],
                                "backgroundColor": GREY, "maxBarThickness": 36})
        data, options = chart({"labels": [str(d["label"]) for d in dims], "datasets": datasets},
                              scales={"y": {"beginAtZero": True, "max": 100}})
        sections.append({"kind": "chart", "type": "bar", "title": _("各维度满意度 CSAT（%）与上次对比"),
                         "data": data, "options": options, "height": 280})
    can_plan = request.user.has_perm("surveys.add_improvementplan")
    low_codes = {d["code"] for d in r["lowest"]}
    sections.append({"kind": "table", "title": _("各维度结果"), "headers": [
        _("维度"), _("CSAT"), _("平均分"), _("回答数"), _("上次CSAT"), _("变化"), ""],
        "rows": [[d["label"], pct(d["csat"]), d["mean"] if d["mean"] is not None else "—", d["answers"],
                  pct(d["previous"]) if r["previous"] else "—", signed(d["change"]),
                  link(_plan_add_url(campaign, d["code"]), _("创建改进计划"))
                  if can_plan and d["code"] in low_codes else ""] for d in dims]})
    for d in r["lowest"]:
        lines = [format_html("「{}」—— {}（{}）", c["text"], c["customer"], c["respondent"] or c["question"])
                 for c in d["comments"]] or [_("没有文字意见")]
        sections.append({"kind": "text", "title": _("低分维度：%(dim)s（CSAT %(csat)s）的客户原话") % {
            "dim": d["label"], "csat": pct(d["csat"])}, "lines": lines})
    if r["by_grade"]:
        data, options = chart({"labels": [g["grade"] for g in r["by_grade"]], "datasets": [
            {"label": _("CSAT（%）"), "data": [float(g["csat"]) if g["csat"] is not None else None
                                               for g in r["by_grade"]], "backgroundColor": PURPLE,
             "maxBarThickness": 36}]}, plugins={"legend": {"display": False}},
            scales={"y": {"beginAtZero": True, "max": 100}})
        sections.append({"kind": "chart", "type": "bar", "title": _("按客户等级的满意度"), "data": data,
                         "options": options, "height": 220})
    sections.append({"kind": "table", "title": _("按负责客服"), "headers": [
        _("客服"), _("答卷"), _("CSAT"), _("NPS"), _("平均分")],
        "rows": [[s["name"], s["responses"], pct(s["csat"]), s["nps"] if s["nps"] is not None else "—",
                  s["mean"] if s["mean"] is not None else "—"] for s in r["by_staff"]]})
    sections.append({"kind": "table", "title": _("按客户"), "headers": [
        _("客户"), _("等级"), _("CSAT"), _("NPS"), _("平均分")],
        "rows": [[f"{c['code']} {c['name']}", c["grade"], pct(c["csat"]), c["nps"] if c["nps"] is not None else "—",
                  c["mean"] if c["mean"] is not None else "—"] for c in r["by_customer"]]})
    if r["plans"]:
        sections.append({"kind": "table", "title": _("由本次调查发起的改进计划"), "headers": [
            _("标题"), _("维度"), _("责任人"), _("期限"), _("状态")],
            "rows": [[link(plan_url(p), p.title), p.get_dimension_display() or "—",
                      p.owner.first_name or p.owner.get_username(), when(p.deadline), p.get_state_display()]
                     for p in r["plans"]]})
    return render(request, title=_("满意度调查：%(name)s") % {"name": campaign.name}, cards=cards, sections=sections)


def _plan_add_url(campaign, dimension) -> str:
    initial = services.plan_defaults_for_dimension(campaign=campaign, dimension=dimension)
    initial["deadline"] = initial["deadline"].isoformat()
    return reverse("admin:surveys_improvementplan_add") + "?" + urlencode(initial)


def plan_add_url_for_complaint(complaint) -> str:
    """The 新建改进计划 form filled from a complaint's root cause (for a button on the complaint page)."""
    initial = {"source": "complaint", "complaint_code": complaint.code,
               "title": _("整改：%(code)s") % {"code": complaint.code},
               "problem": complaint.root_cause or complaint.description,
               "actions": getattr(complaint, "corrective_action", "") or "",
               "department": getattr(complaint, "department", "") or ""}
    return reverse("admin:surveys_improvementplan_add") + "?" + urlencode(initial)


def plan_url(plan) -> str:
    return reverse("admin:surveys_improvementplan_change", args=[plan.pk])


class ReviewForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=gettext_lazy("评估结论（仅在没有调查数据时使用）"), required=False,
        choices=[("", gettext_lazy("按调查数据判定")), ("1", gettext_lazy("有效")), ("0", gettext_lazy("未见效"))],
        coerce=lambda v: v == "1", empty_value=None)
    note = forms.CharField(label=gettext_lazy("效果评估说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


def plan_page(request, pk):
    plan = selectors.plan_list(user=request.user).filter(pk=pk).first()
    if plan is None:
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        try:
            if "review" in request.POST:
                if not request.user.has_perm("surveys.review_improvementplan"):
                    raise PermissionDenied
                if form.is_valid():
                    services.plan_review(actor=request.user, plan=plan, note=form.cleaned_data["note"],
                                         effective=form.cleaned_data["effective"])
                    messages.success(request, _("已完成效果评估"))
                    return redirect(reverse("admin:surveys_improvementplan_state", args=[plan.pk]))
            else:
                to = request.POST.get("to")
                services.plan_transition(actor=request.user, plan=plan, to=to)
                messages.success(request, _("状态已更新"))
                return redirect(reverse("admin:surveys_improvementplan_state", args=[plan.pk]))
        except DomainError as exc:
            messages.error(request, error_text(exc))
        plan.refresh_from_db()
    cards = [{"label": _("状态"), "value": plan.get_state_display()},
             {"label": _("责任人 / 部门"), "value": f"{plan.owner.first_name or plan.owner.get_username()} / "
                                                 f"{plan.department}"},
             {"label": _("完成期限"), "value": when(plan.deadline),
              "note": _("已逾期") if plan.overdue else ""},
             {"label": _("基线 → 评估满意度"), "value": f"{pct(plan.baseline_csat)} → {pct(plan.review_csat)}",
              "note": plan.review_campaign.name if plan.review_campaign else ""}]
    lines = [_("来源：%(s)s") % {"s": plan.get_source_display()}
             + (f" · {plan.campaign.name}" if plan.campaign else "")
             + (f" · {plan.complaint_code}" if plan.complaint_code else ""),
             _("维度：%(d)s") % {"d": plan.get_dimension_display() or "—"},
             _("问题：%(p)s") % {"p": plan.problem}, _("措施：%(a)s") % {"a": plan.actions}]
    if plan.review_note:
        lines.append(_("效果评估：%(n)s") % {"n": plan.review_note})
    sections = [{"kind": "text", "title": plan.title, "lines": lines}]
    allowed = services.PLAN_TRANSITIONS[plan.state] - {PlanState.EFFECTIVE, PlanState.INEFFECTIVE}
    if allowed and request.user.has_perm("surveys.change_improvementplan"):
        labels = {PlanState.IN_PROGRESS: _("开始实施") if plan.state == PlanState.PLANNED else _("退回实施"),
                  PlanState.COMPLETED: _("标记完成"), PlanState.CANCELLED: _("取消计划")}
        sections.append({"kind": "buttons", "buttons": [
            {"label": labels[s], "name": "to", "value": s, "variant": "primary" if s == PlanState.COMPLETED else ""}
            for s in [PlanState.IN_PROGRESS, PlanState.COMPLETED, PlanState.CANCELLED] if s in allowed]
            + [{"label": _("编辑"), "href": plan_url(plan)}]})
    if plan.state == PlanState.COMPLETED and request.user.has_perm("surveys.review_improvementplan"):
        sections.append({"kind": "form", "title": _("效果评估：对比完成后下一次调查中该维度的满意度"), "form": form,
                         "submit_label": _("评估"), "name": "review"})
    return render(request, title=_("改进计划：%(t)s") % {"t": plan.title}, cards=cards, sections=sections)


def campaign_urls(admin_site) -> list:
    return [path("<int:pk>/results/", admin_site.admin_view(campaign_page), name="surveys_campaign_results")]


def plan_urls(admin_site) -> list:
    return [path("<int:pk>/state/", admin_site.admin_view(plan_page), name="surveys_improvementplan_state")]
