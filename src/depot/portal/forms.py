"""Forms of the customer portal. They clean their own fields and hand plain values to the
services; the services' errors come back on the fields they concern (`apply_errors`)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from depot.core.excel import MAX_FILE_BYTES
from depot.inventory.models import Warehouse
from depot.orders.choices import ServiceLevel
from depot.portal.models import PortalAccount

OUTBOUND_LINES = 6
INBOUND_LINES = 6
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PortalLoginForm(AuthenticationForm):
    """The portal's login: only an enabled portal account gets in. Staff are sent to the back office
    and a deactivated account is told so — both only after the right password was given."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("登录名或密码不正确"),
        "staff": _("员工账号请从管理后台登录，客户门户仅供客户使用"),
        "no_account": _("该账号没有开通客户门户，请联系您的客服专员"),
        "inactive": _("该门户账号已停用，请联系您的客服专员"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            user = get_user_model().objects.filter(username=username).first()
            if user is not None and user.check_password(password):
                if user.is_staff or user.is_superuser:
                    raise forms.ValidationError(self.error_messages["staff"], code="staff")
                account = PortalAccount.objects.filter(user=user).first()
                if account is None:
                    raise forms.ValidationError(self.error_messages["no_account"], code="no_account")
                if not (account.is_active and user.is_active):
                    raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
        return super().clean()


def _text(label, max_length, *, required=False, **attrs):
    return forms.CharField(label=label, max_length=max_length, required=required,
                           widget=forms.TextInput(attrs=attrs))


class LinesMixin:
    """Numbered line fields (`item_code_1`, `quantity_1` …); `lines()` the filled ones."""

    line_count = 0
    line_fields: tuple = ()

    def line_rows(self):
        return [[self[f"{name}_{n}"] for name in self.line_fields] for n in range(1, self.line_count + 1)]

    def lines(self) -> list[dict]:
        out = []
        for n in range(1, self.line_count + 1):
            row = {name: self.cleaned_data.get(f"{name}_{n}") for name in self.line_fields}
            if any(v not in (None, "") for v in row.values()):
                out.append(row)
        return out

    def clean_lines(self, known_codes: set[str]) -> None:
        filled = 0
        for n in range(1, self.line_count + 1):
            code = (self.cleaned_data.get(f"item_code_{n}") or "").strip()
            quantity = self.cleaned_data.get(f"quantity_{n}")
            if not code and quantity in (None, "") and f"quantity_{n}" not in self.errors:
                continue
            filled += 1
            if not code:
                self.add_error(f"item_code_{n}", _("请选择货品"))
            elif code not in known_codes:
                self.add_error(f"item_code_{n}", _("货品编码“%(code)s”不存在") % {"code": code})
            if quantity in (None, "") and f"quantity_{n}" not in self.errors:
                self.add_error(f"quantity_{n}", _("请填写数量"))
        if not filled:
            self.add_error("item_code_1", _("请至少填写一行货品"))

    def line_index(self, key: str) -> str | None:
        """The form field for a service error key such as `lines[2].quantity`."""
        if key.startswith("lines[") and "]." in key:
            index, name = key[len("lines["):].split("].", 1)
            filled = [n for n in range(1, self.line_count + 1)
                      if any(self.cleaned_data.get(f"{f}_{n}") not in (None, "") for f in self.line_fields)]
            if index.isdigit() and 0 < int(index) <= len(filled) and f"{name}_{filled[int(index) - 1]}" in self.fields:
                return f"{name}_{filled[int(index) - 1]}"
        return None


def apply_errors(form, exc) -> None:
    """Put a DomainError's messages on the fields they concern, the rest on the whole form."""
    details = exc.details or {"__all__": [exc.message]}
    for key, messages in details.items():
        field = key if key in form.fields else None
        if field is None and hasattr(form, "line_index"):
            field = form.line_index(key)
        for message in messages:
            form.add_error(field, str(message))
    if not details:
        form.add_error(None, str(exc.message))


class OutboundForm(LinesMixin, forms.Form):
    line_count = OUTBOUND_LINES
    line_fields = ("item_code", "quantity")

    external_ref = _text(_("客户单号"), 64, placeholder=_("可不填；填写后同一单号不会重复下单"))
    consignee_name = _text(_("收货人"), 100, required=True, autocomplete="name")
    consignee_phone = _text(_("收货人电话"), 30, required=True, inputmode="tel", autocomplete="tel")
    province = _text(_("省份"), 20, required=True)
    city = _text(_("城市"), 30, required=True)
    district = _text(_("区县"), 30)
    address = _text(_("详细地址"), 200, required=True)
    requested_ship_date = forms.DateField(label=_("要求发货日期"), required=False, widget=DATE,
                                          help_text=_("不填表示按服务等级尽快发货"))
    service_level = forms.ChoiceField(label=_("服务等级"), choices=ServiceLevel.choices,
                                      initial=ServiceLevel.STANDARD)
    allow_partial = forms.BooleanField(label=_("库存不足时允许部分发货"), required=False)
    note = forms.CharField(label=_("备注"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, known_codes=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known_codes = set(known_codes)
        for n in range(1, self.line_count + 1):
            self.fields[f"item_code_{n}"] = _text(_("货品"), 40, list="portal-items", placeholder=_("编码或名称"))
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                label=_("数量"), required=False, min_value=1, max_value=10_000_000,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def clean(self):
        cleaned = super().clean()
        for n in range(1, self.line_count + 1):
            cleaned[f"item_code_{n}"] = (cleaned.get(f"item_code_{n}") or "").split(" ", 1)[0].strip()
        self.clean_lines(self.known_codes)
        return cleaned

    def header(self) -> dict:
        keys = ("consignee_name", "consignee_phone", "province", "city", "district", "address",
                "requested_ship_date", "service_level", "allow_partial", "note")
        return {k: self.cleaned_data.get(k) for k in keys}


class InboundForm(LinesMixin, forms.Form):
    line_count = INBOUND_LINES
    line_fields = ("item_code", "quantity", "lot_number")

    external_ref = _text(_("客户单号"), 64, placeholder=_("可不填"))
    warehouse = forms.ModelChoiceField(label=_("收货仓库"), queryset=Warehouse.objects.none(), required=False,
                                       empty_label=_("请选择"))
    expected_date = forms.DateField(label=_("预计到货日期"), required=True, widget=DATE)
    carrier = _text(_("承运商"), 50)
    vehicle = _text(_("车牌号"), 20)
    note = forms.CharField(label=_("备注"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, known_codes=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known_codes = set(known_codes)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by("code")
        for n in range(1, self.line_count + 1):
            self.fields[f"item_code_{n}"] = _text(_("货品"), 40, list="portal-items", placeholder=_("编码或名称"))
            self.fields[f"quantity_{n}"] = forms.IntegerField(
                label=_("数量"), required=False, min_value=1, max_value=10_000_000,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
            self.fields[f"lot_number_{n}"] = _text(_("批号"), 40)

    def clean(self):
        cleaned = super().clean()
        for n in range(1, self.line_count + 1):
            cleaned[f"item_code_{n}"] = (cleaned.get(f"item_code_{n}") or "").split(" ", 1)[0].strip()
        self.clean_lines(self.known_codes)
        return cleaned

    def header(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in ("warehouse", "expected_date", "carrier", "vehicle", "note")}


class ReceiptForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("评分"), coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)],
                                    widget=forms.RadioSelect, error_messages={"required": _("请选择评分")})
    comment = forms.CharField(label=_("评价"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("收货情况、意见或建议")}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel文件（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件不能超过10MB"))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的Excel文件"))
        return upload


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(label=_("投诉类别"))
    severity = forms.ChoiceField(label=_("严重程度"))
    orders = forms.MultipleChoiceField(label=_("相关出库单"), required=False,
                                       widget=forms.SelectMultiple(attrs={"size": 4}),
                                       help_text=_("可选；按住Ctrl或在手机上点选多张"))
    description = forms.CharField(
        label=_("投诉内容"), max_length=5000, error_messages={"required": _("请填写投诉内容")},
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("请描述发生了什么、涉及的货品和数量，希望如何处理")}))

    def __init__(self, *args, orders=(), **kwargs):
        from depot.service.choices import ComplaintCategory, Severity

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = ComplaintCategory.choices
        self.fields["severity"].choices = Severity.choices
        self.fields["severity"].initial = Severity.MEDIUM
        self.orders_by_number = {o.number: o for o in orders}
        self.fields["orders"].choices = [(o.number, f"{o.number} · {o.consignee_name} · {o.get_state_display()}")
                                         for o in orders]


class VerdictForm(forms.Form):
    accepted = forms.TypedChoiceField(coerce=lambda v: v == "yes", choices=[("yes", _("接受")), ("no", _("不接受"))],
                                      widget=forms.HiddenInput)
    reason = forms.CharField(label=_("不接受的原因"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
