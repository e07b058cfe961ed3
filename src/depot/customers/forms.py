"""Forms of the customer archive's back office.

Model forms here only clean their own fields: duplicates and every business rule are checked by
the services, whose errors the admin puts back on these forms.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from depot.core.roles import CS_SPECIALIST, CS_SUPERVISOR
from depot.customers.choices import ConsentPurpose, CreditRating, Grade, Status, StorageType
from depot.customers.models import Contact, Customer
from depot.customers.policy import STATUS_TRANSITIONS
from depot.customers.services import PROFILE_FIELDS

CONTACT_INLINE_FIELDS = (
    "name", "title", "phone", "email", "wechat", "qq", "birthday", "id_number", "preferred_channel",
    "is_primary",
)


def owner_queryset():
    """The staff a customer can be assigned to."""
    staff = get_user_model().objects.filter(is_active=True, is_staff=True)
    return staff.filter(groups__name__in=[CS_SPECIALIST, CS_SUPERVISOR]).distinct().order_by("username")


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        full = user.get_full_name()
        return f"{full}（{user.get_username()}）" if full else user.get_username()


class ServiceModelForm(forms.ModelForm):
    def _post_clean(self):
        """Copy the cleaned values onto the instance, without validating the model: the service
        does that and checks duplicates, with its own messages and links."""
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as exc:
            self._update_errors(exc)


class CustomerForm(ServiceModelForm):
    confirm_similar = forms.BooleanField(
        label=_("确认不是重复客户"), required=False,
        help_text=_("系统提示已有名称相近的客户时，核实不是同一家后勾选，再保存"),
    )
    storage_types = forms.MultipleChoiceField(
        label=_("仓储类型需求"), choices=StorageType.choices, required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )

    class Meta:
        model = Customer
        fields = (*PROFILE_FIELDS, "tags", "owner")

    def profile_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in PROFILE_FIELDS if f in self.cleaned_data}

    def save_options(self) -> dict:
        """Tags (None: leave them) and the similar-name confirmation, as the services take them."""
        return {"tags": self.cleaned_data.get("tags"),
                "confirm_similar": self.cleaned_data.get("confirm_similar", False)}


class ContactInlineForm(ServiceModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_INLINE_FIELDS

    def contact_data(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in CONTACT_INLINE_FIELDS if f in self.fields}


def _reason(label, max_length=200):
    return forms.CharField(label=label, max_length=max_length,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("客户等级"), choices=Grade.choices, widget=UnfoldAdminSelectWidget)
    reason = _reason(_("定级理由"), max_length=500)


class CreditForm(forms.Form):
    credit_limit = forms.DecimalField(
        label=_("信用额度（元）"), min_value=0, max_digits=14, decimal_places=2,
        widget=UnfoldAdminDecimalFieldWidget,
    )
    credit_rating = forms.ChoiceField(
        label=_("信用等级"), choices=[("", _("未评定")), *CreditRating.choices], required=False,
        widget=UnfoldAdminSelectWidget,
    )
    reason = _reason(_("调整原因"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("目标状态"), widget=UnfoldAdminSelectWidget)
    reason = _reason(_("原因"))

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS.get(current, set())
        self.fields["status"].choices = [(s.value, s.label) for s in Status if s in allowed]


class AssignForm(forms.Form):
    owner = OwnerChoiceField(label=_("负责客服"), queryset=owner_queryset(), widget=UnfoldAdminSelectWidget)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("用途"), choices=ConsentPurpose.choices, widget=UnfoldAdminSelectWidget
    )
    recipient = forms.CharField(
        label=_("接收方"), max_length=100, required=False, widget=UnfoldAdminTextInputWidget,
        help_text=_("向第三方提供时填写，如 Zoho CRM、纷享销客"),
    )
    version = forms.CharField(
        label=_("告知书版本"), max_length=20, initial="1.0", widget=UnfoldAdminTextInputWidget
    )
    evidence = forms.CharField(
        label=_("证据"), required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        help_text=_("签署的协议、邮件、录音编号等"),
    )
    evidence_file = forms.FileField(label=_("证据文件"), required=False, widget=UnfoldAdminFileFieldWidget)


class ConsentWithdrawForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=200, required=False, widget=UnfoldAdminTextInputWidget)
