from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.core.fields import EncryptedTextField
from depot.customers import choices, pinyin


class Tag(models.Model):
    name = models.CharField(_("名称"), max_length=30, unique=True)
    color = models.CharField(_("颜色"), max_length=20, blank=True, default="primary")

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Customer(models.Model):
    """客户档案: one unified file per cargo owner."""

    code = models.CharField(_("客户编码"), max_length=20, unique=True)
    name = models.CharField(_("客户全称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    pinyin = models.CharField(_("拼音首字母"), max_length=200, blank=True, editable=False, db_index=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True,
        help_text=_("18位，按 GB 32100-2015 校验"),
    )
    credit_code_exception = models.TextField(
        _("信用代码例外说明"), blank=True,
        help_text=_("代码未通过校验但经主管确认真实有效时，记录确认理由"),
    )
    nature = models.CharField(_("企业性质"), max_length=20, choices=choices.EnterpriseNature.choices, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    business_scope = models.TextField(_("经营范围"), blank=True)
    province = models.CharField(_("省份"), max_length=20, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)

    storage_types = ArrayField(
        models.CharField(max_length=20, choices=choices.StorageType.choices),
        verbose_name=_("仓储类型需求"), default=list, blank=True,
    )
    expected_monthly_inbound = models.PositiveIntegerField(_("预计月入库量（件）"), null=True, blank=True)
    expected_monthly_outbound = models.PositiveIntegerField(_("预计月出库量（件）"), null=True, blank=True)
    expected_pallets = models.PositiveIntegerField(_("预计占用托盘数"), null=True, blank=True)
    business_needs = models.TextField(_("业务需求"), blank=True)
    special_requirements = models.TextField(_("特殊要求"), blank=True)

    payment_terms = models.CharField(
        _("付款方式"), max_length=20, choices=choices.PaymentTerms.choices, default=choices.PaymentTerms.MONTHLY
    )
    payment_days = models.PositiveSmallIntegerField(
        _("账期（天）"), default=30, validators=[MaxValueValidator(365)]
    )
    credit_rating = models.CharField(_("信用等级"), max_length=3, choices=choices.CreditRating.choices, blank=True)
    credit_limit = models.DecimalField(
        _("信用额度（元）"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )

    overdue_amount = models.DecimalField(
        _("逾期应收（元）"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)],
        help_text=_("客户逾期未付的金额；大于零时新订单需主管信用审核"),
    )

    grade = models.CharField(_("客户等级"), max_length=3, choices=choices.Grade.choices, default=choices.Grade.C)
    grade_source = models.CharField(
        _("等级来源"), max_length=10, choices=choices.GradeSource.choices, default=choices.GradeSource.MANUAL
    )
    grade_reason = models.TextField(_("定级理由"), blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责客服"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="customers",
    )
    status = models.CharField(_("状态"), max_length=10, choices=choices.Status.choices, default=choices.Status.PROSPECT)
    status_reason = models.CharField(_("状态原因"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    cooperation_since = models.DateField(_("开始合作日期"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    notes = models.TextField(_("备注"), blank=True)

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户档案")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="customer_credit_code_unique",
                violation_error_message=_("该统一社会信用代码已被其他客户使用"),
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="customer_credit_limit_not_negative",
                violation_error_message=_("信用额度不能为负数"),
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"], name="customer_owner_status_idx"),
            models.Index(fields=["grade"], name="customer_grade_idx"),
        ]
        permissions = [
            ("view_all_customers", _("查看全部客户（不限负责人）")),
            ("view_contact_pii", _("查看联系人个人信息（电话、邮箱、生日）")),
            ("accept_invalid_credit_code", _("接受未通过校验的统一社会信用代码")),
            ("change_credit", _("调整信用额度与信用等级")),
            ("assign_customer", _("分配负责客服")),
            ("import_customers", _("从Excel导入客户")),
            ("export_customers", _("导出客户到Excel")),
        ]

    def __str__(self):
        return f"{self.code} {self.short_name or self.name}"

    def save(self, *args, **kwargs):
        self.pinyin = " ".join(filter(None, {pinyin.initials(self.name), pinyin.initials(self.short_name)}))
        super().save(*args, **kwargs)

    @property
    def full_address(self) -> str:
        return "".join([self.province, self.city, self.district, self.address])


class Contact(models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    phone = EncryptedTextField(_("电话"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    email = EncryptedTextField(_("邮箱"), blank=True)
    email_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    wechat = models.CharField(_("微信号"), max_length=50, blank=True)
    qq = models.CharField(_("QQ号"), max_length=20, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    preferred_channel = models.CharField(
        _("首选联系方式"), max_length=10, choices=choices.Channel.choices, default=choices.Channel.PHONE
    )
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    PII_FIELDS = ("phone", "email", "wechat", "qq", "birthday", "id_number")

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="contact_one_primary_per_customer",
                violation_error_message=_("每个客户只能有一位主要联系人"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.customer.short_name or self.customer.name}）"

    def save(self, *args, **kwargs):
        from depot.customers.validators import email_blind_index, phone_blind_index

        self.phone_index = phone_blind_index(self.phone)
        self.email_index = email_blind_index(self.email)
        super().save(*args, **kwargs)


class Consent(models.Model):
    """What the customer (or a contact) agreed to, for which purpose and recipient, and the evidence."""

    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="consents")
    contact = models.ForeignKey(
        Contact, verbose_name=_("联系人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="consents"
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=choices.ConsentPurpose.choices)
    recipient = models.CharField(
        _("接收方"), max_length=100, blank=True, help_text=_("向第三方提供时填写，如 Zoho CRM、纷享销客")
    )
    version = models.CharField(_("告知书版本"), max_length=20, default="1.0")
    granted = models.BooleanField(_("同意"), default=True)
    granted_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    evidence = models.TextField(_("证据"), blank=True, help_text=_("签署的协议、邮件、录音编号等"))
    evidence_file = models.FileField(_("证据文件"), upload_to="consents/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("授权同意记录")
        verbose_name_plural = _("授权同意记录")
        ordering = ["-granted_at"]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.recipient}".strip()

    @property
    def in_force(self) -> bool:
        return self.granted and self.withdrawn_at is None


class CreditChange(models.Model):
    """History of credit limit and credit rating changes, with the reason given."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="credit_changes"
    )
    old_limit = models.DecimalField(_("原信用额度"), max_digits=14, decimal_places=2)
    new_limit = models.DecimalField(_("新信用额度"), max_digits=14, decimal_places=2)
    old_rating = models.CharField(_("原信用等级"), max_length=3, blank=True)
    new_rating = models.CharField(_("新信用等级"), max_length=3, blank=True)
    reason = models.CharField(_("调整原因"), max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调整人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("调整时间"), default=timezone.now)

    class Meta:
        verbose_name = _("信用调整记录")
        verbose_name_plural = _("信用调整记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.customer} {self.old_limit} → {self.new_limit}"


class GradingRule(models.Model):
    """Thresholds a customer must meet to earn a grade; a supervisor edits them.

    A blank threshold is not checked. Order and complaint thresholds are checked once the orders
    and service apps provide those figures (see `grading.py`).
    """

    grade = models.CharField(_("等级"), max_length=3, choices=choices.Grade.choices, unique=True)
    min_tenure_months = models.PositiveSmallIntegerField(_("最短合作月数"), null=True, blank=True)
    min_credit_rating = models.CharField(
        _("最低信用等级"), max_length=3, choices=choices.CreditRating.choices, blank=True
    )
    min_order_value_12m = models.DecimalField(
        _("近12个月最低订单金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_orders_per_month = models.DecimalField(
        _("最低月均订单数"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_complaints_12m = models.PositiveSmallIntegerField(_("近12个月最多投诉数"), null=True, blank=True)
    max_complaint_resolution_hours = models.PositiveSmallIntegerField(
        _("投诉平均解决时长上限（小时）"), null=True, blank=True
    )
    rfm_segments = ArrayField(
        models.CharField(max_length=20, choices=choices.RfmSegment.choices), verbose_name=_("RFM分群"),
        default=list, blank=True, help_text=_("选中时，客户须属于其中之一"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评级规则")
        verbose_name_plural = _("评级规则")
        ordering = ["grade"]

    def __str__(self):
        return str(self.get_grade_display())


from depot.customers.models_privacy import PrivacyRequest  # noqa: E402, F401  (registers the model)
