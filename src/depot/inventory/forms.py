"""Forms of the inventory back-office pages. They only clean their own fields; the rules are the
services' and selectors' (their errors go back on these forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectMultipleWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from depot.customers.selectors import customer_list
from depot.inventory import analysis
from depot.inventory.choices import ABCClass, CountScope, InspectionResult
from depot.inventory.models import Item, Warehouse, Zone

PERIOD_CHOICES = [(30, _("近30天")), (90, _("近90天")), (180, _("近180天")), (365, _("近一年"))]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.code} {customer.short_name or customer.name}"


def _owner_field(user, *, required=False):
    return OwnerChoiceField(
        label=_("货主"), queryset=customer_list(user=user).order_by("code"), required=required,
        empty_label=_("全部货主") if not required else None, widget=UnfoldAdminSelectWidget,
    )


def _warehouse_field():
    return forms.ModelChoiceField(label=_("仓库"), queryset=Warehouse.objects.filter(is_active=True), required=False,
                                  empty_label=_("全部仓库"), widget=UnfoldAdminSelectWidget)


class StockFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=60, widget=UnfoldAdminTextInputWidget(
        attrs={"placeholder": _("货品编码、名称、批号或库位")}))
    days = forms.IntegerField(label=_("效期窗口（天）"), required=False, min_value=0, max_value=3650,
                              widget=UnfoldAdminIntegerFieldWidget(
                                  attrs={"placeholder": analysis.DEFAULT_NEAR_EXPIRY_DAYS}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(user)
        self.fields["warehouse"] = _warehouse_field()
        self.order_fields(["q", "owner", "warehouse", "days"])


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(label=_("统计期间"), choices=PERIOD_CHOICES, coerce=int,
                                  initial=analysis.DEFAULT_ANALYSIS_DAYS, widget=UnfoldAdminSelectWidget)


class AbcForm(PeriodForm):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(user, required=True)
        self.order_fields(["owner", "days"])


class ListFilterForm(forms.Form):
    """Near-expiry and slow-moving lists: a number of days and the owner."""

    days = forms.IntegerField(label=_("天数"), min_value=0, max_value=3650, required=False,
                              widget=UnfoldAdminIntegerFieldWidget)

    def __init__(self, *args, user, days_label=None, days_default=None, **kwargs):
        super().__init__(*args, **kwargs)
        if days_label:
            self.fields["days"].label = days_label
        if days_default is not None:
            self.fields["days"].widget.attrs["placeholder"] = days_default
        self.fields["owner"] = _owner_field(user)


class InspectionForm(forms.Form):
    result = forms.ChoiceField(label=_("检查结果"), choices=InspectionResult.choices,
                               widget=UnfoldAdminRadioSelectWidget)
    findings = forms.CharField(label=_("检查记录"), required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}),
                               help_text=_("发现问题时必填：位置、现象、已采取的措施"))
    done_at = forms.SplitDateTimeField(label=_("检查时间"), required=False, widget=UnfoldAdminSplitDateTimeWidget,
                                       help_text=_("不填为现在"))
    photo = forms.FileField(label=_("现场照片"), required=False, widget=UnfoldAdminFileFieldWidget)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("处理说明"), required=False, max_length=2000,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))


class CountPlanForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("仓库"), queryset=Warehouse.objects.filter(is_active=True),
                                       widget=UnfoldAdminSelectWidget)
    scope = forms.ChoiceField(label=_("盘点范围"), choices=CountScope.choices, widget=UnfoldAdminRadioSelectWidget)
    zone = forms.ModelChoiceField(label=_("库区"), required=False, widget=UnfoldAdminSelectWidget,
                                  queryset=Zone.objects.filter(is_active=True).select_related("warehouse"),
                                  help_text=_("按库区盘点时选择"))
    abc_class = forms.ChoiceField(label=_("ABC分类"), required=False, widget=UnfoldAdminSelectWidget,
                                  choices=[("", "—")] + list(ABCClass.choices),
                                  help_text=_("按ABC分类循环盘点时选择（分类来自“ABC分析”中应用的结果）"))
    items = forms.ModelMultipleChoiceField(label=_("盘点货品"), required=False, queryset=Item.objects.none(),
                                           widget=UnfoldAdminSelectMultipleWidget(attrs={"size": 8}),
                                           help_text=_("按货品盘点时选择"))
    planned_for = forms.DateField(label=_("计划盘点日期"), required=False, widget=UnfoldAdminDateWidget)
    note = forms.CharField(label=_("说明"), required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items


class CountLineForm(forms.Form):
    """One (item, lot number, quantity) found at the location being counted."""

    item = forms.ModelChoiceField(label=_("货品"), queryset=Item.objects.none(), required=False,
                                  widget=UnfoldAdminSelectWidget)
    lot_number = forms.CharField(label=_("批号"), max_length=40, required=False, widget=UnfoldAdminTextInputWidget)
    quantity = forms.IntegerField(label=_("实盘数量"), min_value=0, required=False,
                                  widget=UnfoldAdminIntegerFieldWidget)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items

    def clean(self):
        data = super().clean()
        filled = [data.get("item"), (data.get("lot_number") or "").strip(), data.get("quantity")]
        if any(v not in (None, "") for v in filled) and any(v in (None, "") for v in filled):
            raise forms.ValidationError(_("请完整填写货品、批号和数量"))
        return data


CountLineFormSet = forms.formset_factory(CountLineForm, extra=6)
