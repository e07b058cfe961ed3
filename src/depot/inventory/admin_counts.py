"""盘点 in the back office: plan a count, start it, record each location blind, submit, and let a
supervisor approve (posting the variance) or reject it — each step one service call."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from depot.core.admin import add_domain_errors
from depot.core.errors import DomainError
from depot.inventory import forms, selectors, services
from depot.inventory.admin import ReadOnlyAdmin
from depot.inventory.admin_views import label, link, money, render, require, when
from depot.inventory.choices import CountScope, CountState
from depot.inventory.models import Count, Location, Lot

STATE_VARIANTS = {CountState.PLANNED: "info", CountState.COUNTING: "warning", CountState.SUBMITTED: "warning",
                  CountState.APPROVED: "success", CountState.REJECTED: "danger", CountState.CANCELLED: ""}


@admin.register(Count)
class CountAdmin(ReadOnlyAdmin):
    list_display = ("number", "warehouse", "scope", "zone", "abc_class", "state", "planned_for", "created_by",
                    "decided_by")
    list_filter = ("state", "scope", "warehouse")
    search_fields = ("number",)

    def get_queryset(self, request):
        return selectors.count_list(user=request.user)

    def has_add_permission(self, request):
        return request.user.has_perm("inventory.add_count")

    def add_view(self, request, form_url="", extra_context=None):
        return count_plan_view(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return count_detail(request, object_id)

    def get_urls(self):
        return [path("<int:pk>/record/<int:location_pk>/", self.admin_site.admin_view(count_record_view),
                     name="inventory_count_record")] + super().get_urls()


def _count(request, pk) -> Count:
    count = selectors.count_list(user=request.user).filter(pk=pk).first()
    if count is None:
        raise Http404(_("记录不存在或无权访问"))
    return count


def _detail_url(count) -> str:
    return reverse("admin:inventory_count_change", args=[count.pk])


def count_plan_view(request):
    require(request, "inventory.add_count")
    items = selectors.item_list(user=request.user).filter(is_active=True)
    form = forms.CountPlanForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = services.count_plan_create(
                actor=request.user, warehouse=data["warehouse"], scope=data["scope"], zone=data["zone"],
                items=data["items"], abc_class=data["abc_class"], planned_for=data["planned_for"], note=data["note"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("盘点单%(n)s已创建，共%(k)d个库位") % {
                "n": count.number, "k": count.locations.count()})
            return redirect(_detail_url(count))
    return render(request, title=_("新建盘点计划"), sections=[
        {"kind": "form", "title": _("盘点范围"), "form": form, "submit_label": _("创建盘点单"), "name": "plan"}])


ACTIONS = {
    "start": ("inventory.record_count", services.count_start, _("开始盘点")),
    "submit": ("inventory.record_count", services.count_submit, _("提交审批")),
    "cancel": ("inventory.add_count", services.count_cancel, _("取消盘点")),
    "approve": ("inventory.approve_count", services.count_approve, _("审批过账")),
    "reject": ("inventory.approve_count", services.count_reject, _("驳回")),
}
BUTTONS = {
    CountState.PLANNED: ("start", "cancel"),
    CountState.COUNTING: ("submit", "cancel"),
}


def count_detail(request, pk):
    require(request, "inventory.view_count")
    count = _count(request, pk)
    decision = forms.NoteForm(request.POST or None)
    decision.fields["note"].label = _("审批意见")
    if request.method == "POST":
        action = next((a for a in ACTIONS if a in request.POST), None)
        if action is None:
            return redirect(request.path)
        perm, service, text = ACTIONS[action]
        require(request, perm)
        kwargs = {}
        if action in ("approve", "reject", "cancel") and decision.is_valid():
            kwargs["note"] = decision.cleaned_data["note"]
        try:
            service(actor=request.user, count=count, **kwargs)
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages()))
        else:
            messages.success(request, _("盘点单%(n)s：%(action)s完成") % {"n": count.number, "action": text})
        return redirect(request.path)

    user = request.user
    sheet = selectors.count_sheet(user=user, count=count)
    done = sum(1 for row in sheet if row["recorded"])
    scope = count.get_scope_display()
    if count.scope == CountScope.ZONE and count.zone:
        scope = f"{scope}：{count.zone}"
    elif count.scope == CountScope.ABC:
        scope = f"{scope}：{count.abc_class}"
    cards = [
        {"label": _("状态"), "value": count.get_state_display(), "note": count.number},
        {"label": _("盘点范围"), "value": scope, "note": str(count.warehouse)},
        {"label": _("已录入库位"), "value": f"{done} / {len(sheet)}"},
        {"label": _("计划盘点日期"), "value": when(count.planned_for)},
    ]
    sections = []
    buttons = [{"label": ACTIONS[a][2], "name": a, "variant": "primary" if a != "cancel" else "default"}
               for a in BUTTONS.get(count.state, ()) if user.has_perm(ACTIONS[a][0])]
    if buttons:
        sections.append({"kind": "buttons", "buttons": buttons})
    if count.state == CountState.SUBMITTED and user.has_perm("inventory.approve_count"):
        sections.append({"kind": "form", "title": _("审批（驳回须填写意见）"), "form": decision,
                         "submit_label": _("审批过账"), "name": "approve"})
        sections.append({"kind": "buttons", "buttons": [{"label": _("驳回"), "name": "reject", "variant": "danger"}]})
    can_record = count.state == CountState.COUNTING and user.has_perm("inventory.record_count")
    rows = []
    for row in sheet:
        location = row["location"]
        if row["recorded"]:
            status = label(_("已录入"), "success")
        elif can_record:
            status = link(reverse("admin:inventory_count_record", args=[count.pk, location.pk]), _("录入"))
        else:
            status = label(_("未录入"))
        rows.append([location.code, status])
    scope_items = sheet[0]["items"] if sheet else []
    items_note = _("盘点货品：%(items)s") % {"items": "、".join(scope_items)} if scope_items else ""
    sections.append({"kind": "table", "title": _("盘点库位（盲盘：录入前不显示账面数量）"), "note": items_note,
                     "headers": [_("库位"), _("状态")], "rows": rows})
    variances = selectors.count_variances(user=user, count=count)
    if count.state in (CountState.SUBMITTED, CountState.APPROVED, CountState.REJECTED):
        sections.append({"kind": "table", "title": _("盘点差异"),
                         "headers": [_("库位"), _("货品"), _("批号"), _("账面数量"), _("实盘数量"), _("差异"),
                                     _("差异货值")],
                         "rows": [[v.location.code, v.item, v.lot.lot_number, v.expected, v.counted,
                                   label(f"{v.variance:+d}", "danger" if v.variance < 0 else "success"),
                                   money(v.value)] for v in variances]})
    if count.decision_note:
        sections.append({"kind": "text", "title": _("审批意见"), "lines": [count.decision_note]})
    return render(request, title=_("盘点单%(n)s") % {"n": count.number}, cards=cards, sections=sections)


def count_record_view(request, pk, location_pk):
    require(request, "inventory.record_count")
    count = _count(request, pk)
    location = Location.objects.filter(pk=location_pk, count_entries__count=count).first()
    if location is None:
        raise PermissionDenied
    scope_items = count.items.all()
    items = (scope_items if scope_items.exists() else selectors.item_list(user=request.user).filter(is_active=True))
    formset = forms.CountLineFormSet(request.POST if "record" in request.POST else None,
                                     form_kwargs={"items": items.select_related("owner")})
    if "empty_location" in request.POST:
        return _record(request, count, location, [])
    if "record" in request.POST and formset.is_valid():
        counted, errors = [], False
        for form in formset:
            data = form.cleaned_data
            if not data or data.get("item") is None:
                continue
            lot = Lot.objects.filter(item=data["item"], lot_number=data["lot_number"].strip()).first()
            if lot is None:
                form.add_error("lot_number", _("该货品没有此批号"))
                errors = True
                continue
            counted.append((data["item"], lot, data["quantity"]))
        if not counted and not errors:
            messages.error(request, _("没有录入任何货品；如库位确实为空，请点击“库位为空”。"))
        elif not errors:
            return _record(request, count, location, counted)
    empty_question = _("确认库位%(loc)s上没有任何货物？") % {"loc": location.code}
    sections = [
        {"kind": "text", "title": _("说明"), "lines": [
            _("逐一清点库位上的实物，按货品和批号填写实盘数量。账面数量在提交后才显示。"),
            _("库位上没有货物时，点击下方“库位为空”。")]},
        {"kind": "form", "title": _("实盘结果"), "form": formset, "submit_label": _("保存盘点结果"), "name": "record"},
        {"kind": "buttons", "buttons": [{"label": _("库位为空"), "name": "empty_location", "attrs": {
            "onclick": f"return confirm({json.dumps(empty_question, ensure_ascii=False)})"}}]},
    ]
    return render(request, title=_("盘点录入 · %(n)s · 库位%(loc)s") % {"n": count.number, "loc": location.code},
                  cards=[{"label": _("库位"), "value": location.code}], sections=sections)


def _record(request, count, location, counted):
    try:
        services.count_record(actor=request.user, count=count, location=location, counted=counted)
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages()))
        return redirect(request.path)
    messages.success(request, _("库位%(loc)s的盘点结果已录入") % {"loc": location.code})
    return redirect(_detail_url(count))
