"""Back office of the customer archive. Every save calls a service (see services.py); the pages
behind the detail actions live in admin_views.py."""

import re

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminTextInputWidget

from depot.core.admin import Rejected, ServiceAdminMixin, domain_errors, field_errors, register_audit_actions
from depot.core.errors import DomainError, ValidationFailed
from depot.core.fields import EncryptedTextField
from depot.customers import admin_views, selectors, services
from depot.customers.choices import RfmSegment, Status, StorageType
from depot.customers.forms import (
    CONTACT_INLINE_FIELDS,
    ContactInlineForm,
    CustomerForm,
    OwnerChoiceField,
    owner_queryset,
)
from depot.customers.models import Consent, Contact, Customer, GradingRule, Tag
from depot.customers.privacy import ANONYMISED

register_audit_actions({
    "status_change": _("变更状态"), "credit_change": _("调整信用"), "grade_change": _("调整等级"),
    "assign": _("分配客服"), "contact_create": _("新增联系人"), "contact_update": _("修改联系人"),
    "contact_delete": _("删除联系人"), "consent_grant": _("记录授权同意"),
    "consent_withdraw": _("撤回授权同意"),
})

GRADE_COLOURS = {"VIP": "warning", "A": "success", "B": "info", "C": "default"}
STATUS_COLOURS = {Status.PROSPECT: "info", Status.ACTIVE: "success", Status.SUSPENDED: "warning",
                  Status.CLOSED: "danger"}
_CONTACT_KEY = re.compile(r"contacts\[(\d+)\]\.(\w+)")


def _storage_labels(contents) -> str:
    labels = dict(StorageType.choices)
    codes = [c.strip() for c in str(contents).split(",") if c.strip()]
    return "、".join(str(labels.get(c, c)) for c in codes)


class ProvinceFilter(admin.SimpleListFilter):
    """Provinces of the customers the user may see (not of everyone's)."""

    title = _("省份")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        provinces = (selectors.customer_list(user=request.user).exclude(province="").order_by("province")
                     .values_list("province", flat=True).distinct())
        return [(p, p) for p in provinces]

    def queryset(self, request, queryset):
        return queryset.filter(province=self.value()) if self.value() else queryset


class _ViewerMixin:
    """Inline instances are made per request: remember who is looking."""

    viewer = None

    def get_formset(self, request, obj=None, **kwargs):
        self.viewer = request.user
        return super().get_formset(request, obj, **kwargs)


class ContactInline(_ViewerMixin, TabularInline):
    model = Contact
    form = ContactInlineForm
    extra = 0
    formfield_overrides = {EncryptedTextField: {"widget": UnfoldAdminTextInputWidget}}
    masked_fields = ("name", "title", "masked_phone", "masked_email", "masked_wechat", "masked_qq",
                     "masked_birthday", "masked_id_number", "preferred_channel", "is_primary")

    def get_fields(self, request, obj=None):
        self.viewer = request.user
        fields = CONTACT_INLINE_FIELDS if selectors.can_view_pii(request.user) else self.masked_fields
        return (*fields, "privacy_link") if self._takes_privacy_requests(request, obj) else fields

    def get_readonly_fields(self, request, obj=None):
        fields = () if selectors.can_view_pii(request.user) else self.masked_fields
        return (*fields, "privacy_link") if self._takes_privacy_requests(request, obj) else fields

    @staticmethod
    def _takes_privacy_requests(request, obj) -> bool:
        return obj is not None and request.user.has_perm("customers.add_privacyrequest")

    @display(description=_("个人信息请求"))
    def privacy_link(self, contact):
        if not contact.pk or contact.name == ANONYMISED:
            return "—"
        url = reverse("admin:customers_privacyrequest_add") + f"?contact={contact.pk}"
        return format_html('<a class="text-link" href="{}">{}</a>', url, _("登记请求"))

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None else 0

    def has_add_permission(self, request, obj=None):
        return selectors.can_view_pii(request.user) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return selectors.can_view_pii(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return selectors.can_view_pii(request.user) and super().has_delete_permission(request, obj)

    def _shown(self, contact, field):
        return selectors.contact_display(user=self.viewer, contact=contact)[field] or "—"

    @display(description=_("电话"))
    def masked_phone(self, contact):
        return self._shown(contact, "phone")

    @display(description=_("邮箱"))
    def masked_email(self, contact):
        return self._shown(contact, "email")

    @display(description=_("微信号"))
    def masked_wechat(self, contact):
        return self._shown(contact, "wechat")

    @display(description=_("QQ号"))
    def masked_qq(self, contact):
        return self._shown(contact, "qq")

    @display(description=_("生日"))
    def masked_birthday(self, contact):
        return self._shown(contact, "birthday")

    @display(description=_("身份证号"))
    def masked_id_number(self, contact):
        return self._shown(contact, "id_number")


class ConsentInline(_ViewerMixin, TabularInline):
    model = Consent
    extra = 0
    fields = ("purpose", "recipient", "version", "granted_at", "withdrawn_at", "evidence", "evidence_file",
              "recorded_by", "withdraw_link")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("操作"))
    def withdraw_link(self, consent):
        if not (consent.in_force and self.viewer and self.viewer.has_perm("customers.change_consent")):
            return "—"
        url = reverse("admin:customers_customer_consent_withdraw", args=[consent.customer_id, consent.pk])
        return format_html('<a class="text-link" href="{}">{}</a>', url, _("撤回"))


@admin.register(Customer)
class CustomerAdmin(ServiceAdminMixin, ModelAdmin):
    form = CustomerForm
    list_filter = ("status", "grade", ("owner", RelatedOnlyFieldListFilter), "tags", ProvinceFilter)
    search_fields = ("name",)  # shows the search box; the search itself is selectors.customer_search
    search_help_text = _("客户名称、简称、编码、统一社会信用代码、拼音首字母（如 hsd）或联系人电话")
    list_per_page = 50
    readonly_preprocess_fields = {"storage_types": _storage_labels}
    change_form_after_template = "customers/admin/history.html"
    actions_list = ["import_excel", "export_excel"]
    actions_detail = ["change_grade", "change_credit", "change_status", "assign_owner", "record_consent",
                      "open_analytics"]

    # -- list ------------------------------------------------------------------------------

    def get_queryset(self, request):
        return (selectors.customer_list(user=request.user).select_related("owner")
                .prefetch_related("contacts"))

    def get_search_results(self, request, queryset, search_term):
        return selectors.customer_search(user=request.user, query=search_term, qs=queryset), False

    def get_list_display(self, request):
        viewer = request.user

        @display(description=_("主要联系人"))
        def primary_contact(customer):
            contact = selectors.primary_contact(customer)
            if contact is None:
                return "—"
            shown = selectors.contact_display(user=viewer, contact=contact)
            return " ".join(filter(None, [shown["name"], shown["phone"]]))

        return ("code", "name", "short_name", "grade_label", "status_label", "owner", "credit_limit",
                primary_contact, "updated_at")

    @display(description=_("客户等级"), ordering="grade", label=GRADE_COLOURS)
    def grade_label(self, customer):
        return customer.grade, customer.get_grade_display()

    @display(description=_("状态"), ordering="status", label=STATUS_COLOURS)
    def status_label(self, customer):
        return customer.status, customer.get_status_display()

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        query = request.GET.urlencode()
        export_url = reverse("admin:customers_customer_export_excel")
        for item in (getattr(response, "context_data", None) or {}).get("actions_list", []):
            if query and item.get("path") == export_url:
                item["path"] = f"{export_url}?{query}"
        return response

    # -- form ------------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        basic = ["name", "short_name", *(["confirm_similar"] if editable else []), "credit_code",
                 "credit_code_exception", "nature", "industry", "business_scope", "tags", "cooperation_since"]
        credit = ["payment_terms", "payment_days"]
        if obj is not None:
            basic = ["code", *basic, "grade", "grade_reason", "status", "status_reason", "owner"]
            credit += ["credit_rating", "credit_limit"]
        elif request.user.has_perm("customers.assign_customer"):
            basic.append("owner")
        return [
            (_("基本信息"), {"fields": basic}),
            (_("地址"), {"fields": ["province", "city", "district", "address"]}),
            (_("业务需求"), {"fields": ["storage_types", "expected_monthly_inbound",
                                    "expected_monthly_outbound", "expected_pallets", "business_needs",
                                    "special_requirements"]}),
            (_("结算与信用"), {"fields": credit}),
            (_("备注"), {"fields": ["notes"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = []
        if obj is not None:
            fields += ["code", "grade", "grade_reason", "credit_limit", "credit_rating", "status",
                       "status_reason", "owner"]
        if not request.user.has_perm("customers.accept_invalid_credit_code"):
            fields.append("credit_code_exception")
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs.update(queryset=owner_queryset(), form_class=OwnerChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return [ContactInline] if obj is None else [ContactInline, ConsentInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, object_id)
        if customer is not None:
            extra_context = {**(extra_context or {}), "depot_history": admin_views.history_table(customer)}
        return super().change_view(request, object_id, form_url, extra_context)

    # -- saving through the services -------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            return  # created with its contacts in save_related, in one call to customer_create
        try:
            services.customer_update(actor=request.user, customer=obj, data=form.profile_data(),
                                     **form.save_options())
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc

    def save_related(self, request, form, formsets, change):
        if not change:
            self._create(request, form, formsets)
            return
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def _create(self, request, form, formsets):
        contacts = next((fs for fs in formsets if fs.model is Contact), None)
        contact_forms = [f for f in (contacts.forms if contacts else [])
                         if f.has_changed() and not f.cleaned_data.get("DELETE")]
        data = form.profile_data()
        if form.cleaned_data.get("owner"):
            data["owner"] = form.cleaned_data["owner"]
        try:
            customer = services.customer_create(
                actor=request.user, data=data, contacts=[f.contact_data() for f in contact_forms],
                **form.save_options(),
            )
        except DomainError as exc:
            raise self._rejected_create(exc, form, contact_forms) from exc
        self.adopt(form.instance, customer)
        for formset in formsets:
            formset.new_objects = list(customer.contacts.all()) if formset is contacts else []
            formset.changed_objects, formset.deleted_objects = [], []

    @staticmethod
    def _rejected_create(exc, form, contact_forms) -> Rejected:
        """customer_create names a contact's fields `contacts[i].phone`: put them on the i-th row."""
        customer_details, inline = {}, {}
        for key, msgs in exc.details.items():
            match = _CONTACT_KEY.fullmatch(key)
            if match and int(match[1]) < len(contact_forms):
                row = contact_forms[int(match[1])]
                inline.setdefault(row.prefix, {}).setdefault(match[2], []).extend(msgs)
            else:
                customer_details[key] = msgs
        return Rejected(domain_errors(exc, form, customer_details), inline)

    def save_formset(self, request, form, formset, change):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not Contact:
            return  # consents change only through their own actions
        for row in formset.forms:
            if not row.has_changed():
                continue
            try:
                self._save_contact(request, form.instance, formset, row)
            except DomainError as exc:
                if isinstance(exc, ValidationFailed) and exc.details:
                    errors = field_errors(exc.details, row)
                else:
                    errors = domain_errors(exc, row)
                summary = {None: [_("联系人未能保存，请检查下方标出的错误")]}
                raise Rejected(summary, {row.prefix: errors}) from exc

    @staticmethod
    def _save_contact(request, customer, formset, row):
        # row.instance already carries the submitted values; the service compares with the stored row
        stored = Contact.objects.get(pk=row.instance.pk, customer=customer) if row.instance.pk else None
        if row.cleaned_data.get("DELETE"):
            if stored:
                services.contact_delete(actor=request.user, contact=stored)
                formset.deleted_objects.append(stored)
            return
        contact = services.contact_save(
            actor=request.user, customer=customer, data=row.contact_data(), contact=stored
        )
        if stored:
            formset.changed_objects.append((contact, row.changed_data))
        else:
            formset.new_objects.append(contact)

    # -- detail actions (each opens a small form page) -------------------------------------

    @action(description=_("客户分析"), url_path="analytics", icon="insights",
            permissions=["open_analytics"])
    def open_analytics(self, request, object_id):
        return redirect("admin:analytics_customer", pk=object_id)

    def has_open_analytics_permission(self, request, object_id=None):
        return apps.is_installed("depot.analytics") and request.user.has_perm("analytics.view_analytics")

    @action(description=_("调整等级"), url_path="grade", icon="military_tech",
            permissions=["customers.change_customer"])
    def change_grade(self, request, object_id):
        return admin_views.GradeView.as_view(model_admin=self)(request, object_id=object_id)

    @action(description=_("调整信用"), url_path="credit", icon="credit_score",
            permissions=["customers.change_credit"])
    def change_credit(self, request, object_id):
        return admin_views.CreditView.as_view(model_admin=self)(request, object_id=object_id)

    @action(description=_("变更状态"), url_path="status", icon="swap_horiz",
            permissions=["customers.change_customer"])
    def change_status(self, request, object_id):
        return admin_views.StatusView.as_view(model_admin=self)(request, object_id=object_id)

    @action(description=_("分配客服"), url_path="assign", icon="support_agent",
            permissions=["customers.assign_customer"])
    def assign_owner(self, request, object_id):
        return admin_views.AssignView.as_view(model_admin=self)(request, object_id=object_id)

    @action(description=_("记录授权同意"), url_path="consent", icon="verified_user",
            permissions=["customers.add_consent"])
    def record_consent(self, request, object_id):
        return admin_views.ConsentRecordView.as_view(model_admin=self)(request, object_id=object_id)

    # -- Excel import and export -------------------------------------------------------------

    @action(description=_("从Excel导入"), url_path="import-excel", icon="upload",
            permissions=["customers.import_customers"])
    def import_excel(self, request):
        return redirect("admin:customers_customer_import")

    @action(description=_("导出Excel"), url_path="export-excel", icon="download",
            permissions=["customers.export_customers"])
    def export_excel(self, request):
        from depot.customers import excel

        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            messages.error(request, _("筛选条件无效，请重新筛选后再导出"))
            return redirect("admin:customers_customer_changelist")
        return excel.customers_export_response(request, queryset)

    def get_urls(self):
        from depot.customers import import_views

        withdraw = admin_views.ConsentWithdrawView.as_view(model_admin=self)
        return [
            path("import/", self.admin_site.admin_view(import_views.customer_import_view),
                 name="customers_customer_import"),
            path("<path:object_id>/consents/<int:consent_id>/withdraw/", self.admin_site.admin_view(withdraw),
                 name="customers_customer_consent_withdraw"),
            *super().get_urls(),
        ]


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ("name", "color")
    search_fields = ("name",)


@admin.register(GradingRule)
class GradingRuleAdmin(ServiceAdminMixin, ModelAdmin):
    RULE_FIELDS = ("min_tenure_months", "min_credit_rating", "min_order_value_12m", "min_orders_per_month",
                   "max_complaints_12m", "max_complaint_resolution_hours", "rfm_segments")
    help_text = _(
        "客户满足某一等级的全部门槛时评为该等级，从 VIP 到 C 依次检查。留空的门槛不参与评定；"
        "某项指标还没有数据时（如新客户没有订单、没有投诉记录）视为“暂无数据”，该项不参与评定。"
        "RFM分群来自数据分析模块，选中多个分群时客户属于其中之一即可。"
    )
    list_display = ("grade", *RULE_FIELDS, "updated_at")
    list_before_template = "customers/admin/grading_rule_help.html"

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ["grade", *self.RULE_FIELDS], "description": self.help_text})]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "rfm_segments":
            return forms.MultipleChoiceField(
                label=db_field.verbose_name, help_text=db_field.help_text, required=False,
                choices=RfmSegment.choices, widget=UnfoldAdminCheckboxSelectMultipleWidget,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("grade",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.RULE_FIELDS if f in form.cleaned_data}
        try:
            rule = services.grading_rule_save(actor=request.user, grade=obj.grade, data=data)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, rule)


from depot.customers import privacy_admin  # noqa: E402, F401  (registers the personal-information requests)
