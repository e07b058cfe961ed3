"""Forms of the follow-ups back office: they clean their own fields and hand plain values to the
services, whose errors come back on them."""

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from depot.customers.choices import Channel
from depot.followups.choices import Outcome

SATISFACTION_CHOICES = [("", _("未评分")), *[(str(n), "★" * n) for n in range(5, 0, -1)]]


def _choices(enum, *, blank):
    return ([("", blank)] if blank else []) + list(enum.choices)


class RecordForm(forms.Form):
    outcome = forms.ChoiceField(label=_("回访结果"), choices=_choices(Outcome, blank=_("请选择")),
                                widget=UnfoldAdminSelectWidget, required=False)
    satisfaction = forms.ChoiceField(label=_("满意度（1-5）"), choices=SATISFACTION_CHOICES, required=False,
                                     widget=UnfoldAdminSelectWidget)
    channel = forms.ChoiceField(label=_("回访方式"), choices=_choices(Channel, blank=_("请选择")), required=False,
                                widget=UnfoldAdminSelectWidget)
    done_at = forms.SplitDateTimeField(label=_("回访时间"), required=False, widget=UnfoldAdminSplitDateTimeWidget,
                                       help_text=_("不填为当前时间"))
    notes = forms.CharField(label=_("回访记录"), required=False, max_length=4000,
                            widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}))


class RescheduleForm(forms.Form):
    planned_on = forms.DateField(label=_("新的计划日期"), widget=UnfoldAdminDateWidget)
    reason = forms.CharField(label=_("改期原因"), required=False, max_length=200, widget=UnfoldAdminTextInputWidget)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), required=False, max_length=200, widget=UnfoldAdminTextInputWidget)


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.code} {customer.short_name or customer.name}"


class PlanForm(forms.Form):
    customer = CustomerChoiceField(label=_("客户"), queryset=None, widget=UnfoldAdminSelectWidget)
    planned_on = forms.DateField(label=_("计划回访日期"), widget=UnfoldAdminDateWidget)
    notes = forms.CharField(label=_("回访目的"), required=False, max_length=2000,
                            widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class SentForm(forms.Form):
    channel = forms.ChoiceField(label=_("发送方式"), choices=_choices(Channel, blank=_("请选择")), required=False,
                                widget=UnfoldAdminSelectWidget)
    message = forms.CharField(label=_("实际发送内容"), required=False, max_length=2000,
                              widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}), help_text=_("不填为建议祝福语"))


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("跳过原因"), required=False, max_length=200, widget=UnfoldAdminTextInputWidget)
