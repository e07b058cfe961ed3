"""Back office of personal-information requests (个人信息请求): register a request, download the
person's copy, anonymise the person, or refuse with a reason. Every change calls `privacy`."""

import re

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextareaWidget, UnfoldAdminTextInputWidget

from depot.core import crypto
from depot.core.admin import Rejected, ServiceAdminMixin, domain_errors, register_audit_actions
from depot.core.errors import DomainError, NotFound
from depot.core.excel import xlsx_response
from depot.core.masking import mask_email, mask_phone
from depot.customers import privacy, privacy_selectors, selectors
from depot.customers.admin_views import ObjectActionView
from depot.customers.choices import PrivacyRequestKind, PrivacyRequestState
from depot.customers.models import Contact
from depot.customers.models_privacy import PrivacyRequest
from depot.customers.validators import email_blind_index, phone_search_key

register_audit_actions({
    "privacy_export": gettext_lazy("导出个人信息副本"), "privacy_anonymise": gettext_lazy("匿名化个人信息"),
    "privacy_refuse": gettext_lazy("拒绝个人信息请求"), "contact_anonymise": gettext_lazy("匿名化联系人"),
    "consignee_anonymise": gettext_lazy("匿名化收货人"), "portal_anonymise": gettext_lazy("匿名化门户账号"),
})

STATE_COLOURS = {PrivacyRequestState.RECEIVED: "warning", PrivacyRequestState.COMPLETED: "success",
                 PrivacyRequestState.REFUSED: "danger"}


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contact):
        return f"{contact.customer.code} · {contact.name}"


class PrivacyRequestForm(forms.ModelForm):
    contact = ContactChoiceField(
        label=gettext_lazy("联系人"), required=False,
        queryset=Contact.objects.select_related("customer").exclude(name=privacy.ANONYMISED)
        .order_by("customer__code", "pk"),
        help_text=gettext_lazy("请求人是客户的联系人时选择；只是收货人时填写电话或邮箱"),
    )
    subject_phone = forms.CharField(label=gettext_lazy("请求人电话"), required=False, max_length=30,
                                    widget=UnfoldAdminTextInputWidget)
    subject_email = forms.CharField(label=gettext_lazy("请求人邮箱"), required=False, max_length=100,
                                    widget=UnfoldAdminTextInputWidget)

    class Meta:
        model = PrivacyRequest
        fields = ["kind", "contact", "subject_name", "subject_phone", "subject_email", "requested_via",
                  "received_at"]

    def _post_clean(self):
        """The service validates and saves; nothing is checked on the instance here."""


class PrivacyOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("是否超期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("超期未答复"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return privacy_selectors.privacy_requests_overdue(queryset)
        return queryset


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ServiceAdminMixin, ModelAdmin):
    form = PrivacyRequestForm
    list_display = ("number", "kind", "subject", "state_label", "received_at", "due_label", "handled_by",
                    "completed_at")
    list_filter = ("state", "kind", PrivacyOverdueFilter)
    search_fields = ("subject_name",)  # the box; the search itself is get_search_results
    search_help_text = gettext_lazy("请求人电话或邮箱（完整号码），或请求编号")
    actions_detail = ["export_copy", "anonymise", "refuse"]
    readonly_fields = ("number", "kind", "subject", "requested_via", "received_at", "due_at", "state",
                       "handled_by", "completed_at", "outcome", "created_by")

    def get_queryset(self, request):
        return privacy_selectors.privacy_request_list(user=request.user)

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        cond = Q(pk__in=[])
        if term.lstrip("#").isdigit() and len(term.lstrip("#")) < 9:
            cond |= Q(pk=int(term.lstrip("#")))
        phone = phone_search_key(term) if re.fullmatch(r"[\d\s\-+()]{5,}", term) else None
        if phone:
            index = crypto.blind_index(phone)
            cond |= Q(subject_phone_index=index) | Q(contact__phone_index=index)
        if "@" in term:
            index = email_blind_index(term)
            cond |= Q(subject_email_index=index) | Q(contact__email_index=index)
        return queryset.filter(cond), False

    # -- list ------------------------------------------------------------------------------

    @display(description=gettext_lazy("编号"), ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    def changelist_view(self, request, extra_context=None):
        self.viewer = request.user
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.viewer = request.user
        return super().change_view(request, object_id, form_url, extra_context)

    @display(description=gettext_lazy("请求人"))
    def subject(self, obj):
        pii = selectors.can_view_pii(getattr(self, "viewer", None))
        parts = []
        if obj.contact_id:
            parts.append(f"{obj.contact.name}（{obj.contact.customer.code}）")
        elif obj.subject_name:
            parts.append(obj.subject_name)
        if obj.subject_phone:
            parts.append(obj.subject_phone if pii else mask_phone(obj.subject_phone))
        if obj.subject_email:
            parts.append(obj.subject_email if pii else mask_email(obj.subject_email))
        return " ".join(parts) or "—"

    @display(description=gettext_lazy("状态"), ordering="state", label=STATE_COLOURS)
    def state_label(self, obj):
        return obj.state, obj.get_state_display()

    @display(description=gettext_lazy("答复期限"), ordering="due_at", label={"overdue": "danger", "ok": "info"})
    def due_label(self, obj):
        text = timezone.localtime(obj.due_at).strftime("%Y-%m-%d")
        if obj.is_overdue:
            return "overdue", _("%(date)s 已超期") % {"date": text}
        return "ok", text

    # -- form ------------------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(PrivacyRequestForm.Meta.fields)
        return list(self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("received_at", timezone.now())
        return initial

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = privacy.privacy_request_create(
                actor=request.user, kind=data.get("kind") or "", requested_via=data.get("requested_via") or "",
                contact=data.get("contact"), subject_name=data.get("subject_name") or "",
                subject_phone=data.get("subject_phone") or "", subject_email=data.get("subject_email") or "",
                received_at=data.get("received_at"),
            )
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        pass

    # -- detail actions --------------------------------------------------------------------

    @action(description=gettext_lazy("导出个人信息副本"), url_path="export", icon="download",
            permissions=["export_copy"])
    def export_copy(self, request, object_id):
        try:
            obj = privacy_selectors.privacy_request_get(user=request.user, pk=object_id)
            export = privacy.privacy_request_export(actor=request.user, request=obj)
        except NotFound:
            raise Http404(_("记录不存在或无权访问")) from None
        except DomainError as exc:
            for message in exc.messages():
                messages.error(request, message)
            return redirect(change_url(object_id))
        return xlsx_response(export.content, export.filename, export.ascii_filename)

    @action(description=gettext_lazy("执行匿名化"), url_path="anonymise", icon="person_off",
            permissions=["anonymise"])
    def anonymise(self, request, object_id):
        return AnonymiseView.as_view(model_admin=self)(request, object_id=object_id)

    @action(description=gettext_lazy("拒绝请求"), url_path="refuse", icon="block",
            permissions=["refuse"])
    def refuse(self, request, object_id):
        return RefuseView.as_view(model_admin=self)(request, object_id=object_id)


    # Each button shows only where it applies; the services refuse the rest anyway.

    def _open(self, request, object_id):
        if object_id is None:
            return None
        try:
            return privacy_selectors.privacy_request_get(user=request.user, pk=object_id)
        except NotFound:
            return None

    def has_export_copy_permission(self, request, object_id=None):
        obj = self._open(request, object_id)
        return (request.user.has_perm("customers.export_personal_data") and obj is not None
                and obj.kind == PrivacyRequestKind.ACCESS and obj.state != PrivacyRequestState.REFUSED)

    def has_anonymise_permission(self, request, object_id=None):
        obj = self._open(request, object_id)
        return (request.user.has_perm("customers.anonymise_personal_data") and obj is not None
                and obj.kind == PrivacyRequestKind.ERASURE and obj.state == PrivacyRequestState.RECEIVED)

    def has_refuse_permission(self, request, object_id=None):
        obj = self._open(request, object_id)
        return (request.user.has_perm("customers.change_privacyrequest") and obj is not None
                and obj.state == PrivacyRequestState.RECEIVED)


def change_url(pk) -> str:
    return reverse("admin:customers_privacyrequest_change", args=[pk])


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("我已核实请求人的身份，确认匿名化其个人信息"), required=True,
        error_messages={"required": gettext_lazy("请勾选确认")},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("拒绝理由"), widget=UnfoldAdminTextareaWidget,
                             help_text=gettext_lazy("将告知请求人，如：无法核实身份"))


class PrivacyActionView(ObjectActionView):
    model = PrivacyRequest
    permission_required = ("customers.view_privacyrequest",)
    submit_label = gettext_lazy("确认")
    back_label = gettext_lazy("返回请求")

    def find(self, pk):
        return privacy_selectors.privacy_request_get(user=self.request.user, pk=pk)

    @property
    def privacy_request(self) -> PrivacyRequest:
        return self.target

    def target_url(self) -> str:
        return change_url(self.privacy_request.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, privacy_request=self.privacy_request)


class AnonymiseView(PrivacyActionView):
    action_title = gettext_lazy("执行匿名化")
    form_class = ConfirmForm
    template_name = "customers/privacy/anonymise.html"
    permission_required = ("customers.anonymise_personal_data",)
    submit_label = gettext_lazy("确认匿名化")

    def get_context_data(self, **kwargs):
        records = privacy_selectors.subject_records(request=self.privacy_request)
        counts = [
            (_("联系人"), len(records.contacts)), (_("授权同意"), len(records.consents)),
            (_("收货记录"), len(records.orders)), (_("沟通记录"), len(records.inquiries)),
            (_("投诉"), len(records.complaints)), (_("回访"), len(records.followups)),
            (_("关怀"), len(records.care_tasks)), (_("满意度答卷"), len(records.survey_responses)),
            (_("通知"), len(records.notifications)), (_("门户账号"), len(records.portal_accounts)),
        ]
        customers = sorted({c.customer for c in records.contacts}, key=lambda c: c.code)
        return super().get_context_data(**kwargs, counts=counts, customers=customers)

    def perform(self, form):
        result = privacy.privacy_request_anonymise(actor=self.request.user, request=self.privacy_request)
        if result.customers_left_without_contact:
            messages.warning(self.request, _("以下客户已无可用联系人，请联系客户补充：%(customers)s") % {
                "customers": "、".join(str(c) for c in result.customers_left_without_contact)})
        return _("已完成匿名化：%(summary)s") % {"summary": result.summary}


class RefuseView(PrivacyActionView):
    action_title = gettext_lazy("拒绝请求")
    form_class = RefuseForm
    permission_required = ("customers.change_privacyrequest",)
    submit_label = gettext_lazy("确认拒绝")

    def perform(self, form):
        privacy.privacy_request_refuse(actor=self.request.user, request=self.privacy_request,
                                       reason=form.cleaned_data["reason"])
        return _("已拒绝该请求")
