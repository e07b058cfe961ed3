"""Pages behind the customer's detail actions (grade, credit, status, owner, consent) and the
change history table. Each page is a small form; the service does the work."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from unfold.views import UnfoldModelAdminViewMixin

from depot.core.admin import add_domain_errors, audit_action_label
from depot.core.audit import HIDDEN, audit_history
from depot.core.errors import DomainError, NotFound
from depot.customers import forms, grading, selectors, services
from depot.customers.choices import Grade
from depot.customers.models import Consent, Contact, Customer


def change_url(customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


class ObjectActionView(UnfoldModelAdminViewMixin, FormView):
    """A small form about one record the user may see (`target`, found by `find`); `perform` calls
    the service and returns the message shown back on the record's page."""

    template_name = "customers/admin/action_form.html"
    model = Customer
    action_title = ""
    submit_label = gettext_lazy("保存")
    back_label = gettext_lazy("返回客户档案")

    def find(self, pk):
        raise NotImplementedError

    def target_url(self) -> str:
        raise NotImplementedError

    @cached_property
    def target(self):
        try:
            return self.find(self.kwargs["object_id"])
        except NotFound:
            raise Http404(_("记录不存在或无权访问")) from None

    @property
    def title(self):
        return f"{self.action_title} · {self.target}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, opts=self.model._meta, original=self.target, change_url=self.target_url(),
            submit_label=self.submit_label, back_label=self.back_label,
        )

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.target_url())

    def perform(self, form) -> str:
        raise NotImplementedError


class CustomerActionView(ObjectActionView):
    permission_required = ("customers.change_customer",)

    def find(self, pk):
        return selectors.customer_get(user=self.request.user, pk=pk)

    @property
    def customer(self) -> Customer:
        return self.target

    def target_url(self) -> str:
        return change_url(self.customer)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, customer=self.customer)


class GradeView(CustomerActionView):
    action_title = gettext_lazy("调整等级")
    form_class = forms.GradeForm
    template_name = "customers/admin/grade.html"

    def get_initial(self):
        return {"grade": self.customer.grade}

    def get_context_data(self, **kwargs):
        suggestion = grading.grade_suggest(self.customer)
        suggested = Grade(suggestion.grade).label
        return super().get_context_data(**kwargs, suggestion=suggestion, suggested=suggested)

    def post(self, request, *args, **kwargs):
        if "apply_suggestion" not in request.POST:
            return super().post(request, *args, **kwargs)
        try:
            customer = services.customer_apply_grade_suggestion(actor=request.user, customer=self.customer)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(request.path)
        messages.success(request, _("已按规则评为%(grade)s") % {"grade": customer.get_grade_display()})
        return redirect(change_url(customer))

    def perform(self, form):
        customer = services.customer_set_grade(
            actor=self.request.user, customer=self.customer, grade=form.cleaned_data["grade"],
            reason=form.cleaned_data["reason"],
        )
        return _("客户等级已调整为%(grade)s") % {"grade": customer.get_grade_display()}


class CreditView(CustomerActionView):
    action_title = gettext_lazy("调整信用")
    form_class = forms.CreditForm
    template_name = "customers/admin/credit.html"
    permission_required = ("customers.change_credit",)

    def get_initial(self):
        return {"credit_limit": self.customer.credit_limit, "credit_rating": self.customer.credit_rating}

    def get_context_data(self, **kwargs):
        changes = self.customer.credit_changes.select_related("changed_by")
        return super().get_context_data(**kwargs, credit_changes=changes)

    def perform(self, form):
        change = services.customer_change_credit(
            actor=self.request.user, customer=self.customer, credit_limit=form.cleaned_data["credit_limit"],
            credit_rating=form.cleaned_data["credit_rating"], reason=form.cleaned_data["reason"],
        )
        return _("信用额度已调整为 %(limit)s 元") % {"limit": change.new_limit}


class StatusView(CustomerActionView):
    action_title = gettext_lazy("变更状态")
    form_class = forms.StatusForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "current": self.customer.status}

    def perform(self, form):
        customer = services.customer_change_status(
            actor=self.request.user, customer=self.customer, status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
        return _("客户状态已变更为“%(status)s”") % {"status": customer.get_status_display()}


class AssignView(CustomerActionView):
    action_title = gettext_lazy("分配客服")
    form_class = forms.AssignForm
    permission_required = ("customers.assign_customer",)

    def get_initial(self):
        return {"owner": self.customer.owner_id}

    def perform(self, form):
        owner = form.cleaned_data["owner"]
        services.customer_assign(actor=self.request.user, customer=self.customer, owner=owner)
        return _("已将客户分配给 %(owner)s") % {"owner": owner.get_full_name() or owner.get_username()}


class ConsentRecordView(CustomerActionView):
    action_title = gettext_lazy("记录授权同意")
    form_class = forms.ConsentForm
    permission_required = ("customers.add_consent",)

    def perform(self, form):
        consent = services.consent_record(
            actor=self.request.user, customer=self.customer, **form.cleaned_data
        )
        return _("已记录授权同意：%(consent)s") % {"consent": consent}


class ConsentWithdrawView(CustomerActionView):
    action_title = gettext_lazy("撤回授权同意")
    form_class = forms.ConsentWithdrawForm
    template_name = "customers/admin/consent_withdraw.html"
    permission_required = ("customers.change_consent",)
    submit_label = gettext_lazy("确认撤回")

    @cached_property
    def consent(self) -> Consent:
        return get_object_or_404(Consent, pk=self.kwargs["consent_id"], customer=self.customer)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, consent=self.consent)

    def perform(self, form):
        services.consent_withdraw(
            actor=self.request.user, consent=self.consent, note=form.cleaned_data["note"]
        )
        return _("已撤回授权同意：%(consent)s") % {"consent": self.consent}


# ---------------------------------------------------------------------------------------------
# 变更历史


def _field(key: str):
    """The model field an audited key names: `credit_limit`, or `陈经理.phone` for a contact's."""
    contact, dot, name = key.rpartition(".")
    try:
        return (Contact if dot else Customer)._meta.get_field(name), contact
    except FieldDoesNotExist:
        return None, contact


def _shown(field, value) -> str:
    if value in (None, "", []):
        return "—"
    if value == HIDDEN:
        return _("（已加密，不显示）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(field, models.DecimalField):
        return f"{Decimal(value):.{field.decimal_places}f}"
    choices = dict(getattr(getattr(field, "base_field", field), "flatchoices", None) or [])
    if isinstance(value, list):
        return "、".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))


def _change_lines(changes: dict):
    lines = []
    for key, (old, new) in changes.items():
        field, contact = _field(key)
        label = str(field.verbose_name) if field else key
        if contact:
            label = f"{contact} · {label}"
        before, after = _shown(field, old), _shown(field, new)
        if before != "—" or after != "—":  # a new file lists its blank fields too
            lines.append((label, before, after))
    return format_html_join("", '<div class="depot-change">{}：{} → {}</div>', lines)


def history_table(customer: Customer) -> dict:
    """The customer's audit trail as rows for Unfold's table component."""
    rows = [
        [
            date_format(localtime(entry.at), "Y-m-d H:i"),
            entry.actor_label or (entry.actor.get_username() if entry.actor else ""),
            audit_action_label(entry.action),
            _change_lines(entry.changes) or "—",
            format_html("{}", entry.note) if entry.note else "—",
        ]
        for entry in audit_history(customer)
    ]
    return {"headers": [_("时间"), _("操作人"), _("动作"), _("变更内容"), _("说明")], "rows": rows}
