"""Forms of the incidents back office: they clean their own fields and hand plain values to the
services, whose errors come back on them."""

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from depot.incidents.choices import AssessmentMethod, DelayReason, IncidentKind, InsuranceState, Liability
from depot.orders.forms import CustomerChoiceField


def text(label, max_length=200, *, required=False):
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=UnfoldAdminTextInputWidget())


def long_text(label, max_length=1000, *, required=False, rows=3):
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": rows}))


def amount(label, *, required=True):
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, min_value=0, required=required,
                              widget=UnfoldAdminDecimalFieldWidget(attrs={"class": "max-w-40"}))


def moment(label, *, required=True, help_text=""):
    return forms.SplitDateTimeField(label=label, required=required, help_text=help_text,
                                    widget=UnfoldAdminSplitDateTimeWidget)


def choice(label, choices, *, required=True, radio=False):
    widget = UnfoldAdminRadioSelectWidget() if radio else UnfoldAdminSelectWidget()
    return forms.ChoiceField(label=label, choices=choices, required=required, widget=widget)


class IncidentForm(forms.Form):
    customer = CustomerChoiceField(label=_("客户"), queryset=None, widget=UnfoldAdminSelectWidget())
    order_number = text(_("出库单号"), 20)
    kind = choice(_("类型"), IncidentKind.choices, radio=True)
    occurred_at = moment(_("发生时间"))
    place = text(_("发生地点"))
    description = long_text(_("情况描述"), 4000, required=True)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class LineForm(forms.Form):
    item_code = text(_("货品编码"), 40)
    lot_number = text(_("批号"), 40)
    location_code = text(_("库位编码"), 40)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=10_000_000, required=False,
                                  widget=UnfoldAdminIntegerFieldWidget(attrs={"class": "max-w-28"}))
    unit_value = amount(_("单位货值（元）"), required=False)


LineFormSet = formset_factory(LineForm, extra=3)
SceneLineFormSet = formset_factory(LineForm, extra=1)


class SceneForm(forms.Form):
    description = long_text(_("现场情况"), 4000, required=True, rows=4)
    photo = forms.FileField(label=_("现场照片"), required=False, widget=UnfoldAdminFileFieldWidget,
                            help_text=_("JPEG、PNG、WebP 或 HEIC，不超过10 MB"))
    caption = text(_("照片说明"))


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("现场照片"), widget=UnfoldAdminFileFieldWidget,
                            help_text=_("JPEG、PNG、WebP 或 HEIC，不超过10 MB"))
    caption = text(_("照片说明"))


class AssessForm(forms.Form):
    method = choice(_("定损方式"), AssessmentMethod.choices, radio=True)
    appraised_amount = amount(_("评估金额（元）"), required=False)
    note = long_text(_("定损说明"))


class LiabilityForm(forms.Form):
    liability = choice(_("责任方"), Liability.choices, radio=True)
    liable_party = text(_("责任单位"), 100)
    note = long_text(_("责任认定说明"))


class InsuranceForm(forms.Form):
    insurer = text(_("保险公司"), 100, required=True)
    claim_no = text(_("保险报案号"), 60)
    state = choice(_("保险理赔状态"), [c for c in InsuranceState.choices if c[0]])
    amount_claimed = amount(_("索赔金额（元）"), required=False)
    amount_received = amount(_("保险赔付金额（元）"), required=False)


class ProposeForm(forms.Form):
    amount = amount(_("赔偿金额（元）"))
    note = long_text(_("赔偿方案说明"))
    override_reason = text(_("超出定损金额的原因"))


class DecisionForm(forms.Form):
    decision = choice(_("审批结果"), [("approve", _("批准")), ("reject", _("驳回"))], radio=True)
    note = text(_("审批意见"))


class PayForm(forms.Form):
    payment_ref = text(_("付款凭证号"), 60, required=True)
    amount = amount(_("实付金额（元）"), required=False)


class ReasonForm(forms.Form):
    reason = text(_("原因"))


class NotifyForm(forms.Form):
    message = long_text(_("告知客户的内容"), required=True)


class RecoveryForm(forms.Form):
    party = text(_("追偿对象"), 100, required=True)
    amount_claimed = amount(_("追偿金额（元）"))
    note = text(_("说明"))


class RecoveryRecordForm(forms.Form):
    recovery = forms.TypedChoiceField(label=_("追偿记录"), coerce=int, widget=UnfoldAdminSelectWidget())
    amount_recovered = amount(_("累计已追回金额（元）"))
    written_off = forms.BooleanField(label=_("放弃追偿"), required=False)
    note = text(_("说明"))

    def __init__(self, *args, recoveries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recovery"].choices = [(r.pk, f"{r.party} · ¥{r.amount_claimed}") for r in recoveries]


class DelayNoticeForm(forms.Form):
    order_number = text(_("出库单号"), 20, required=True)
    reason_category = choice(_("延误原因类别"), DelayReason.choices)
    reason = text(_("延误原因"), required=True)
    new_expected_at = moment(_("预计送达时间"))


class DelayUpdateForm(forms.Form):
    note = text(_("进展说明"), required=True)
    new_expected_at = moment(_("新的预计送达时间"), required=False, help_text=_("不变可不填"))
