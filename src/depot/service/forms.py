"""Forms of the back-office pages. They only collect input; the services validate and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from depot.service.choices import Channel, ComplaintCategory, Severity


class ComplaintForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, label=_("客户"), required=False, widget=UnfoldAdminSelectWidget)
    contact = forms.ModelChoiceField(queryset=None, label=_("联系人"), required=False, widget=UnfoldAdminSelectWidget)
    channel = forms.ChoiceField(label=_("投诉渠道"), choices=Channel.choices, widget=UnfoldAdminSelectWidget)
    category = forms.ChoiceField(label=_("投诉类别"), choices=ComplaintCategory.choices, widget=UnfoldAdminSelectWidget)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices, initial=Severity.MEDIUM,
                                 widget=UnfoldAdminSelectWidget)
    description = forms.CharField(label=_("投诉内容"), required=False, widget=UnfoldAdminTextareaWidget)
    order_numbers = forms.CharField(label=_("相关出库单号"), required=False, widget=UnfoldAdminTextInputWidget,
                                    help_text=_("多个单号用空格或逗号分隔"))
    department = forms.CharField(label=_("责任部门"), required=False, widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, customers, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["contact"].queryset = contacts


class InquiryForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, label=_("客户"), required=False, widget=UnfoldAdminSelectWidget)
    contact = forms.ModelChoiceField(queryset=None, label=_("联系人"), required=False, widget=UnfoldAdminSelectWidget)
    channel = forms.ChoiceField(label=_("沟通渠道"), choices=Channel.choices, widget=UnfoldAdminSelectWidget)
    question = forms.CharField(label=_("咨询内容"), required=False, widget=UnfoldAdminTextareaWidget)
    answer = forms.CharField(label=_("当场答复"), required=False, widget=UnfoldAdminTextareaWidget,
                             help_text=_("当场已答复时填写；否则留空并指定答复期限"))
    response_due = forms.SplitDateTimeField(label=_("答复期限"), required=False,
                                            widget=UnfoldAdminSplitDateTimeWidget,
                                            help_text=_("不填则为受理后一个工作日（8个工作小时）"))

    def __init__(self, *args, customers, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["contact"].queryset = contacts


class NoteForm(forms.Form):
    note = forms.CharField(label=_("调查记录"), required=False, widget=UnfoldAdminTextareaWidget)
    visible_to_customer = forms.BooleanField(label=_("告知客户（首次告知即为首次响应）"), required=False,
                                             widget=UnfoldBooleanWidget)


class AnswerForm(forms.Form):
    root_cause = forms.CharField(label=_("根本原因"), required=False, widget=UnfoldAdminTextareaWidget)
    corrective_action = forms.CharField(label=_("纠正措施"), required=False, widget=UnfoldAdminTextareaWidget)
    answer = forms.CharField(label=_("答复客户内容"), required=False, widget=UnfoldAdminTextareaWidget)


class VerdictForm(forms.Form):
    accepted = forms.TypedChoiceField(label=_("客户意见"), coerce=lambda v: v == "1",
                                      choices=[("1", _("接受答复")), ("0", _("不接受答复"))],
                                      widget=UnfoldAdminSelectWidget)
    reason = forms.CharField(label=_("客户意见说明"), required=False, widget=UnfoldAdminTextareaWidget,
                             help_text=_("不接受时必须填写原因"))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, label=_("处理人"), required=False,
                                      widget=UnfoldAdminSelectWidget)
    department = forms.CharField(label=_("责任部门"), required=False, widget=UnfoldAdminTextInputWidget)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = users


class InquiryAnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复内容"), required=False, widget=UnfoldAdminTextareaWidget)


