"""Forms of the orders back office. They only clean their own fields and hand plain values to the
services; the rules (completeness, states, stock) are the services', whose errors come back on
these forms."""

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminFileFieldWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from depot.core.excel import MAX_FILE_BYTES, XLSX_CONTENT_TYPE
from depot.customers.choices import Status
from depot.customers.selectors import customer_list
from depot.inventory.models import Warehouse
from depot.orders.choices import Channel, Resolution, ServiceLevel

ORDER_CHANNELS = [(Channel.PHONE, Channel.PHONE.label), (Channel.EMAIL, Channel.EMAIL.label)]
HEADER_FIELDS = ("consignee_name", "consignee_phone", "province", "city", "district", "address",
                 "requested_ship_date", "service_level", "allow_partial", "note")


def text(label, max_length, *, required=False, **attrs):
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=UnfoldAdminTextInputWidget(attrs=attrs))


def long_text(label, max_length=200, *, required=False):
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}))


def quantity(label, *, required=True, min_value=1, initial=None):
    return forms.IntegerField(label=label, min_value=min_value, max_value=10_000_000, required=required,
                              initial=initial, widget=UnfoldAdminIntegerFieldWidget(attrs={"class": "max-w-28"}))


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.code} {customer.short_name or customer.name}"


class OrderHeaderForm(forms.Form):
    """Consignee, address and service of an outbound order (new or supplemented)."""

    consignee_name = text(_("收货人"), 100)
    consignee_phone = text(_("收货人电话"), 30)
    province = text(_("省份"), 20)
    city = text(_("城市"), 30)
    district = text(_("区县"), 30)
    address = text(_("详细地址"), 200)
    requested_ship_date = forms.DateField(label=_("要求发货日期"), required=False, widget=UnfoldAdminDateWidget,
                                          help_text=_("不填表示按服务等级尽快发货"))
    service_level = forms.ChoiceField(label=_("服务等级"), choices=ServiceLevel.choices, initial=ServiceLevel.STANDARD,
                                      widget=UnfoldAdminSelectWidget)
    allow_partial = forms.BooleanField(label=_("允许部分发货"), required=False, widget=UnfoldBooleanSwitchWidget)
    note = long_text(_("备注"), 2000)

    def header(self) -> dict:
        return {name: self.cleaned_data[name] for name in HEADER_FIELDS if name in self.cleaned_data}


class OutboundNewForm(OrderHeaderForm):
    """新建出库单: an order taken by phone or email for one of the user's customers."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = customer_list(user=user).exclude(status__in=[Status.SUSPENDED, Status.CLOSED]).order_by("code")
        self.fields = {
            "customer": CustomerChoiceField(label=_("客户"), queryset=customers, widget=UnfoldAdminSelectWidget),
            "channel": forms.ChoiceField(label=_("下单渠道"), choices=ORDER_CHANNELS, initial=Channel.PHONE,
                                         widget=UnfoldAdminRadioSelectWidget),
            "external_ref": text(_("客户单号"), 64, placeholder=_("客户的订单号（可不填），重复提交不会重复建单")),
            **self.fields,
        }


class LineForm(forms.Form):
    item_code = text(_("货品编码"), 40)
    quantity = quantity(_("数量"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("quantity") and not data.get("item_code"):
            self.add_error("item_code", _("请填写货品编码"))
        return data


LineFormSet = forms.formset_factory(LineForm, extra=4)


def lines_of(formset) -> list[dict]:
    return [{"item_code": f.cleaned_data["item_code"], "quantity": f.cleaned_data.get("quantity")}
            for f in formset if f.cleaned_data.get("item_code")]


class CreditDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批结果"), choices=[("approve", _("批准")), ("reject", _("拒绝"))],
                                 widget=UnfoldAdminRadioSelectWidget)
    reason = long_text(_("审批意见（拒绝时必填）"))


class PickLineForm(forms.Form):
    picked = quantity(_("实拣数量"), min_value=0)
    damaged = quantity(_("破损数量"), min_value=0, initial=0)
    note = text(_("备注"), 200)


class ResolveForm(forms.Form):
    exception = forms.TypedChoiceField(label=_("异常"), coerce=int, widget=UnfoldAdminSelectWidget)
    resolution = forms.ChoiceField(label=_("处理方式"), choices=Resolution.choices, widget=UnfoldAdminRadioSelectWidget)
    substitute_lot = forms.TypedChoiceField(label=_("替换批次（换批次时选择）"), coerce=int, required=False,
                                            empty_value=None, widget=UnfoldAdminSelectWidget)
    note = long_text(_("处理说明（取消订单时必填）"))

    def __init__(self, *args, exceptions, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exception"].choices = [
            (e.pk, f"{e.get_kind_display()} · {e.line.item_code if e.line_id else ''} × {e.quantity}")
            for e in exceptions]
        self.fields["substitute_lot"].choices = [("", "—")] + [
            (lot.pk, f"{lot.item.code} {lot.lot_number}（{_('可用')}{lot.available}"
                     + (f"，{_('到期')}{lot.expiry_date}" if lot.expiry_date else "") + "）") for lot in lots]


class PackageForm(forms.Form):
    weight_kg = forms.DecimalField(label=_("重量（千克）"), max_digits=8, decimal_places=2, min_value=0.01,
                                   required=False, widget=UnfoldAdminDecimalFieldWidget)
    length_cm = forms.DecimalField(label=_("长（厘米）"), max_digits=6, decimal_places=1, required=False,
                                   widget=UnfoldAdminDecimalFieldWidget)
    width_cm = forms.DecimalField(label=_("宽（厘米）"), max_digits=6, decimal_places=1, required=False,
                                  widget=UnfoldAdminDecimalFieldWidget)
    height_cm = forms.DecimalField(label=_("高（厘米）"), max_digits=6, decimal_places=1, required=False,
                                   widget=UnfoldAdminDecimalFieldWidget)


PackageFormSet = forms.formset_factory(PackageForm, extra=3)


class ShipForm(forms.Form):
    carrier = text(_("承运商"), 50, required=True)
    tracking_number = text(_("运单号"), 50, required=True)


class ReceiptConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("客户评分"), coerce=int, choices=[(n, "★" * n) for n in range(5, 0, -1)],
                                    widget=UnfoldAdminRadioSelectWidget)
    comment = long_text(_("签收评价"), 2000)


class ReasonForm(forms.Form):
    reason = long_text(_("原因"), required=True)


class DeliverForm(forms.Form):
    note = text(_("说明"), 200, placeholder=_("例如：收货人本人签收"))


# ---- inbound ------------------------------------------------------------------------------

class InboundNewForm(forms.Form):
    """入库预报 (ASN) taken from the customer."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = customer_list(user=user).exclude(status=Status.CLOSED).order_by("code")
        self.fields.update({
            "customer": CustomerChoiceField(label=_("客户"), queryset=customers, widget=UnfoldAdminSelectWidget),
            "warehouse": forms.ModelChoiceField(label=_("收货仓库"), queryset=Warehouse.objects.filter(is_active=True),
                                                widget=UnfoldAdminSelectWidget),
            "channel": forms.ChoiceField(label=_("下单渠道"), choices=ORDER_CHANNELS, initial=Channel.PHONE,
                                         widget=UnfoldAdminRadioSelectWidget),
            "external_ref": text(_("客户单号"), 64),
            "expected_date": forms.DateField(label=_("预计到货日期"), required=False, widget=UnfoldAdminDateWidget),
            "carrier": text(_("承运商"), 50),
            "vehicle": text(_("车牌号"), 20),
            "note": long_text(_("备注"), 2000),
        })

    def header(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("warehouse", "expected_date", "carrier", "vehicle", "note")}


class AsnLineForm(forms.Form):
    item_code = text(_("货品编码"), 40)
    quantity = quantity(_("预报数量"), required=False)
    lot_number = text(_("批号"), 40)

    def clean(self):
        data = super().clean()
        if data.get("item_code") and not data.get("quantity"):
            self.add_error("quantity", _("请填写预报数量"))
        if data.get("quantity") and not data.get("item_code"):
            self.add_error("item_code", _("请填写货品编码"))
        return data


AsnLineFormSet = forms.formset_factory(AsnLineForm, extra=4)


class ReceiveLineForm(forms.Form):
    quantity_good = quantity(_("良品数量"), required=False, min_value=0)
    quantity_damaged = quantity(_("破损数量"), required=False, min_value=0)
    lot_number = text(_("批号"), 40)
    production_date = forms.DateField(label=_("生产日期"), required=False, widget=UnfoldAdminDateWidget)
    expiry_date = forms.DateField(label=_("到期日期"), required=False, widget=UnfoldAdminDateWidget)
    note = text(_("备注"), 200)


class ReceiveFinishForm(forms.Form):
    finish = forms.BooleanField(label=_("收货完成（货已到齐，通知客户实收与差异）"), required=False, initial=True,
                                widget=UnfoldBooleanSwitchWidget)


class PutawayLineForm(forms.Form):
    quantity = quantity(_("上架数量"), required=False, min_value=0)
    location = forms.TypedChoiceField(label=_("目标库位"), coerce=int, required=False, empty_value=None,
                                      widget=UnfoldAdminSelectWidget)

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", _("自动（推荐库位）"))] + list(locations)


# ---- Excel import -------------------------------------------------------------------------

class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel文件（.xlsx）"),
                           widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件超过10MB，请分批导入"))
        return upload
