"""Back office of API tokens: CS creates a token for a customer of theirs, staff one for
themselves; the raw token is shown once, right after creation; tokens are revoked, never edited."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminRadioSelectWidget

from depot.api import selectors, services
from depot.api.choices import Scope, TokenKind
from depot.api.models import ApiToken
from depot.core.admin import Rejected, ServiceAdminMixin, domain_errors
from depot.core.errors import DomainError, NotFound

STATUS_LABELS = {"active": _("有效"), "expired": _("已过期"), "revoked": _("已吊销")}
STATUS_COLOURS = {"active": "success", "expired": "warning", "revoked": "danger"}


class ApiTokenForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("令牌类型"), choices=TokenKind.choices, initial=TokenKind.CUSTOMER,
                             widget=UnfoldAdminRadioSelectWidget,
                             help_text=_("客户令牌只能访问该客户的数据；员工令牌以您本人的权限访问"))
    scopes = forms.MultipleChoiceField(label=_("权限范围"), choices=Scope.choices,
                                       widget=UnfoldAdminCheckboxSelectMultipleWidget)

    class Meta:
        model = ApiToken
        fields = ["name", "kind", "customer", "scopes", "expires_at", "rate_limit"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == TokenKind.CUSTOMER and not cleaned.get("customer"):
            self.add_error("customer", _("客户令牌请选择客户"))
        return cleaned


class StatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdminMixin, ModelAdmin):
    form = ApiTokenForm
    list_display = ("name", "prefix_shown", "holder", "scope_names", "expires_at", "last_used_at", "status_label",
                    "created_by", "created_at")
    list_filter = (StatusFilter,)
    search_fields = ("name", "prefix", "customer__code", "customer__name", "user__username")
    search_help_text = _("按名称、令牌前缀、客户或员工搜索")
    list_per_page = 50
    actions = ["revoke_selected"]
    actions_detail = ["revoke_detail"]
    readonly_fields = ("name", "prefix_shown", "holder", "scope_names", "expires_at", "rate_limit_shown",
                       "last_used_at", "status_label", "created_by", "created_at", "revoked_at", "revoked_by")

    def get_queryset(self, request):
        return selectors.token_list(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "kind", "customer", "scopes", "expires_at", "rate_limit"]
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["customer"].queryset = services.token_customers(user=request.user).order_by("code")
            form.base_fields["expires_at"].initial = timezone.now() + datetime.timedelta(days=365)
            form.base_fields["scopes"].initial = [Scope.ITEMS_READ, Scope.STOCK_READ, Scope.ORDERS_READ]
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request, obj=None):
        return request.user.has_perm("api.revoke_apitoken")

    @display(description=_("令牌"))
    def prefix_shown(self, token):
        return f"{token.prefix}…"

    @display(description=_("归属"))
    def holder(self, token):
        if token.customer_id:
            return _("客户：%(c)s") % {"c": token.customer}
        return _("员工：%(u)s") % {"u": token.user.get_username()}

    @display(description=_("权限范围"))
    def scope_names(self, token):
        return "、".join(str(Scope(s).label) if s in Scope.values else s for s in token.scopes) or "—"

    @display(description=_("每分钟请求上限"))
    def rate_limit_shown(self, token):
        from depot.api.ratelimit import default_limit

        return token.rate_limit or _("默认（%(n)d）") % {"n": default_limit()}

    @display(description=_("状态"), label=STATUS_COLOURS)
    def status_label(self, token):
        status = token.status()
        return status, STATUS_LABELS[status]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        customer = data.get("customer") if data.get("kind") == TokenKind.CUSTOMER else None
        try:
            token, request.depot_new_token = services.token_create(
                actor=request.user, name=data.get("name"), scopes=data.get("scopes"), customer=customer,
                user=None if customer is not None else request.user, expires_at=data.get("expires_at"),
                rate_limit=data.get("rate_limit"))
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, token)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "depot_new_token", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        return TemplateResponse(request, "api/admin/token_created.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": obj, "title": _("令牌已创建"),
            "raw_token": raw, "back_url": reverse("admin:api_apitoken_changelist"),
        })

    def _revoke(self, request, token) -> bool:
        try:
            services.token_revoke(actor=request.user, token=token)
        except DomainError as exc:
            messages.warning(request, f"{token}：{exc.message}")
            return False
        return True

    @action(description=_("吊销所选令牌"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        done = sum(self._revoke(request, token) for token in queryset.order_by("pk"))
        if done:
            messages.success(request, _("已吊销 %(n)d 个令牌，使用它们的请求将立即被拒绝") % {"n": done})

    @action(description=_("吊销"), url_path="revoke", icon="block", permissions=["revoke"])
    def revoke_detail(self, request, object_id):
        try:
            token = selectors.token_get(user=request.user, pk=object_id)
        except NotFound:
            raise Http404 from None
        back_url = reverse("admin:api_apitoken_change", args=[token.pk])
        if request.method == "POST":
            if self._revoke(request, token):
                messages.success(request, _("令牌已吊销"))
            return redirect(back_url)
        return TemplateResponse(request, "core/admin/confirm.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": token,
            "title": _("吊销令牌"), "back_url": back_url, "submit_label": _("吊销"),
            "message": _("令牌“%(name)s”将立即失效，使用它的系统需要换用新令牌。此操作不可撤销。") % {
                "name": token.name},
        })
