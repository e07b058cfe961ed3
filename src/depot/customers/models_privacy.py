"""个人信息请求: a person's request to see and copy (查阅复制) or delete (删除) their personal
information, with the deadline the warehouse answers by and how it was answered (PIPL art. 44–47).

The person is a contact, or someone known only by a phone number or email (a consignee of
deliveries). The request keeps only keyed hashes of that phone and email once the person's data
has been anonymised, so that it still shows what was done without holding what was deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.core.fields import EncryptedTextField
from depot.customers import choices


class PrivacyRequest(models.Model):
    kind = models.CharField(_("请求类型"), max_length=10, choices=choices.PrivacyRequestKind.choices)
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("联系人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="privacy_requests", help_text=_("请求人是客户的联系人时选择"),
    )
    subject_name = models.CharField(_("请求人姓名"), max_length=50, blank=True)
    subject_phone = EncryptedTextField(_("请求人电话"), blank=True)
    subject_phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    subject_email = EncryptedTextField(_("请求人邮箱"), blank=True)
    subject_email_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    requested_via = models.CharField(_("请求渠道"), max_length=10, choices=choices.Channel.choices)
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    due_at = models.DateTimeField(_("答复期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=choices.PrivacyRequestState.choices,
        default=choices.PrivacyRequestState.RECEIVED,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    outcome = models.TextField(_("处理结果"), blank=True, help_text=_("完成时的处理摘要，或拒绝的理由"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("个人信息请求")
        verbose_name_plural = _("个人信息请求")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=choices.PrivacyRequestState.RECEIVED, completed_at__isnull=True)
                | (~Q(state=choices.PrivacyRequestState.RECEIVED) & Q(completed_at__isnull=False)),
                name="privacy_request_completed_at_iff_closed",
                violation_error_message=_("只有已完成或已拒绝的请求才有办结时间"),
            ),
            models.CheckConstraint(
                condition=~Q(state=choices.PrivacyRequestState.REFUSED) | ~Q(outcome=""),
                name="privacy_request_refusal_has_reason",
                violation_error_message=_("拒绝请求必须说明理由"),
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("received_at")), name="privacy_request_due_after_received",
                violation_error_message=_("答复期限不能早于受理时间"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="privacy_request_state_due_idx"),
        ]
        permissions = [
            ("export_personal_data", _("导出个人信息副本（查阅复制请求）")),
            ("anonymise_personal_data", _("匿名化个人信息（删除请求）")),
        ]

    def __str__(self):
        # Never the person's name: this text is copied into the audit trail.
        return _("个人信息请求 #%(pk)s") % {"pk": self.pk}

    @property
    def is_overdue(self) -> bool:
        return self.state == choices.PrivacyRequestState.RECEIVED and self.due_at < timezone.now()
