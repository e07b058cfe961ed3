"""Back office of portal accounts: CS creates the portal logins of their customers' employees,
deactivates or enables them and resets their passwords. Accounts are never edited or deleted:
the services do every change, so it is audited."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminPasswordWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from depot.core.admin import Rejected, ServiceAdminMixin, domain_errors
from depot.core.errors import DomainError
from depot.customers.models import Customer
from depot.portal import selectors, services
from depot.portal.models import PortalAccount


class PortalAccountForm(forms.ModelForm):
    customer = forms.ModelChoiceField(label=_("客户"), queryset=Customer.objects.none(),
                                      widget=UnfoldAdminSelectWidget)
    username = forms.CharField(label=_("登录名"), max_length=150, widget=UnfoldAdminTextInputWidget,
                               help_text=_("客户登录门户时使用，如手机号或邮箱"))
    email = forms.CharField(label=_("邮箱"), max_length=254, required=False, widget=UnfoldAdminTextInputWidget)
    password = forms.CharField(label=_("初始密码"), widget=UnfoldAdminPasswordWidget(render_value=True),
                               help_text=_("请告知客户，并提醒其登录后修改密码"))

    class Meta:
        model = PortalAccount
        fields = ["customer", "name", "title", "username", "email", "password"]


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("新密码"), widget=UnfoldAdminPasswordWidget)
    confirm = forms.CharField(label=_("再次输入新密码"), widget=UnfoldAdminPasswordWidget)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("confirm") and cleaned["password"] != cleaned["confirm"]:
            self.add_error("confirm", _("两次输入的密码不一致"))
        return cleaned


@admin.register(PortalAccount)
class PortalAccountAdmin(ServiceAdminMixin, ModelAdmin):
    form = PortalAccountForm
    list_display = ("name", "login_name", "customer", "title", "status_label", "last_login_at", "created_by",
                    "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "user__username", "customer__code", "customer__name", "customer__short_name")
    search_help_text = _("按姓名、登录名或客户搜索")
    list_per_page = 50
    actions = ["deactivate_selected"]
    actions_detail = ["reset_password_detail", "deactivate_detail", "activate_detail"]
    readonly_fields = ("name", "login_name", "customer", "title", "status_label", "last_login_at", "created_by",
                       "created_at", "deactivated_at")

    def get_queryset(self, request):
        return selectors.portal_account_list(user=request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["customer", "name", "title", "username", "email", "password"]
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.base_fields["customer"].queryset = services.portal_customers(user=request.user).order_by("code")
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request, obj=None):
        return request.user.has_perm("portal.change_portalaccount")

    @display(description=_("登录名"))
    def login_name(self, account):
        return account.user.get_username()

    @display(description=_("状态"), label={"active": "success", "inactive": "danger"})
    def status_label(self, account):
        return ("active", _("启用")) if account.is_active else ("inactive", _("已停用"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            account = services.portal_account_create(
                actor=request.user, customer=data.get("customer"), username=data.get("username"),
                name=data.get("name"), title=data.get("title") or "", email=data.get("email") or "",
                password=data.get("password"))
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, account)

    def _account(self, request, object_id) -> PortalAccount:
        account = selectors.portal_account_list(user=request.user).filter(pk=object_id).first()
        if account is None:
            raise Http404
        return account

    def _set_active(self, request, account, active: bool) -> bool:
        try:
            services.portal_account_set_active(actor=request.user, account=account, active=active)
        except DomainError as exc:
            messages.warning(request, f"{account}：{exc.message}")
            return False
        return True

    @action(description=_("停用所选门户账号"), permissions=["manage"])
    def deactivate_selected(self, request, queryset):
        done = sum(self._set_active(request, a, False) for a in queryset.filter(is_active=True).order_by("pk"))
        if done:
            messages.success(request, _("已停用 %(n)d 个门户账号") % {"n": done})

    @action(description=_("停用"), url_path="deactivate", icon="block", permissions=["manage"])
    def deactivate_detail(self, request, object_id):
        account = self._account(request, object_id)
        if self._set_active(request, account, False):
            messages.success(request, _("门户账号已停用，该用户将无法再登录"))
        return redirect(reverse("admin:portal_portalaccount_change", args=[account.pk]))

    @action(description=_("启用"), url_path="activate", icon="check_circle", permissions=["manage"])
    def activate_detail(self, request, object_id):
        account = self._account(request, object_id)
        if self._set_active(request, account, True):
            messages.success(request, _("门户账号已启用"))
        return redirect(reverse("admin:portal_portalaccount_change", args=[account.pk]))

    @action(description=_("重置密码"), url_path="reset-password", icon="key", permissions=["manage"])
    def reset_password_detail(self, request, object_id):
        account = self._account(request, object_id)
        back_url = reverse("admin:portal_portalaccount_change", args=[account.pk])
        form = PasswordResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.portal_password_reset(actor=request.user, account=account,
                                               password=form.cleaned_data["password"])
            except DomainError as exc:
                for field, errors in domain_errors(exc, form).items():
                    for error in errors:
                        form.add_error(field, error)
            else:
                messages.success(request, _("密码已重置，请告知客户并提醒其登录后修改"))
                return redirect(back_url)
        return TemplateResponse(request, "portal/admin/password_reset.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": account, "form": form,
            "title": _("重置门户密码：%(a)s") % {"a": account}, "back_url": back_url, "submit_label": _("重置密码"),
            "message": _("为%(customer)s的门户账号设置新密码。") % {"customer": account.customer},
        })
