"""Personal-information requests (PIPL art. 44–47): registering a request, answering a request to
see and copy (查阅复制) with an Excel copy of everything Depot holds about the person, answering a
request to delete (删除) by anonymising the person in every place they appear, and refusing with a
reason. Each function checks the actor's permission, runs in one transaction and writes the audit
trail without copying the person's data into it. Decisions: docs/decisions/privacy-requests.md.
"""

import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from depot.core.audit import ACTION_CREATE, audit_record
from depot.core.errors import IllegalTransition, ValidationFailed
from depot.core.excel import header_sheet, write_cell
from depot.core.permissions import require_perm
from depot.customers.choices import Channel, ConsentPurpose, PrivacyRequestKind, PrivacyRequestState, Status
from depot.customers.models import Consent, Contact, Customer
from depot.customers.models_privacy import PrivacyRequest
from depot.customers.privacy_selectors import SubjectKeys, SubjectRecords, _model, subject_records
from depot.customers.validators import email_blind_index, normalize_email, normalize_phone, phone_blind_index

# GB/T 35273-2020 §8.7 c): answer a person's request within 30 days (or a shorter legal term).
# PIPL itself sets no number of days (art. 50: "及时"); calendar days, counted from receipt.
PRIVACY_RESPONSE_DAYS = 30

ANONYMISED = "已匿名化"

PRIVACY_TRANSITIONS = {
    PrivacyRequestState.RECEIVED: {PrivacyRequestState.COMPLETED, PrivacyRequestState.REFUSED},
}

# Orders whose goods have not reached the consignee yet: their phone and address are still needed
# to deliver, so a deletion waits until they are delivered, cancelled or rejected.
_UNDELIVERED_STATES = {
    "incomplete", "pending_audit", "credit_review", "held", "allocated", "picking", "picked", "packed",
    "suspended", "shipped",
}


def privacy_due_at(received_at: datetime.datetime) -> datetime.datetime:
    return received_at + datetime.timedelta(days=PRIVACY_RESPONSE_DAYS)


def _check_transition(request: PrivacyRequest, target: str) -> None:
    if target not in PRIVACY_TRANSITIONS.get(request.state, set()):
        raise IllegalTransition(
            _("该请求已%(state)s，不能再处理") % {"state": request.get_state_display()},
            details={"__all__": [_("该请求已%(state)s，不能再处理") % {"state": request.get_state_display()}]},
        )


def _locked(request: PrivacyRequest) -> PrivacyRequest:
    return PrivacyRequest.objects.select_for_update().get(pk=request.pk)


def _audit(actor, request: PrivacyRequest, action: str, *, before_state=None, note: str = "",
           new_object: bool = False) -> None:
    after = {"state": request.state, "kind": request.kind}
    before = {"state": before_state, "kind": request.kind} if before_state else None
    audit_record(actor=actor, obj=request, action=action, before=before, after=after, note=note, force=True,
                 new_object=new_object)


# --- registering ----------------------------------------------------------------------------------

@transaction.atomic
def privacy_request_create(*, actor, kind: str, requested_via: str, contact: Contact | None = None,
                           subject_name: str = "", subject_phone: str = "", subject_email: str = "",
                           received_at: datetime.datetime | None = None) -> PrivacyRequest:
    """Register a request. The person is a contact, or a phone number / email (a consignee).
    The deadline is PRIVACY_RESPONSE_DAYS after receipt. Raises ValidationFailed (nothing written)
    or PermissionDenied. The audit entry names the kind and the deadline, never the person."""
    require_perm(actor, "customers.add_privacyrequest")
    errors: dict[str, list] = {}
    if kind not in PrivacyRequestKind.values:
        errors["kind"] = [_("请选择请求类型")]
    if requested_via not in Channel.values:
        errors["requested_via"] = [_("请选择请求渠道")]
    phone, email = (subject_phone or "").strip(), (subject_email or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone)[0]
        except ValidationError as exc:
            errors["subject_phone"] = exc.messages
    if email:
        try:
            email = normalize_email(email)
        except ValidationError:
            errors["subject_email"] = [_("邮箱格式不正确：%(v)s") % {"v": email}]
    if contact is None and not phone and not email and "subject_phone" not in errors:
        errors["contact"] = [_("请选择联系人，或填写请求人的电话或邮箱")]
    if contact is not None and contact.name == ANONYMISED and not (contact.phone or contact.email):
        errors["contact"] = [_("该联系人的个人信息已匿名化")]
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["received_at"] = [_("受理时间不能晚于现在")]
    if errors:
        raise ValidationFailed(details=errors)
    request = PrivacyRequest.objects.create(
        kind=kind, requested_via=requested_via, contact=contact, subject_name=(subject_name or "").strip()[:50],
        subject_phone=phone, subject_email=email, received_at=received_at, due_at=privacy_due_at(received_at),
        created_by=actor, **_indexes(phone, email),
    )
    audit_record(actor=actor, obj=request, action=ACTION_CREATE, force=True, new_object=True,
                 after={"kind": kind, "requested_via": requested_via, "received_at": received_at.isoformat(),
                        "due_at": request.due_at.isoformat(), "contact": contact.pk if contact else None})
    return request


def _indexes(phone: str, email: str) -> dict:
    return {"subject_phone_index": phone_blind_index(phone),
            "subject_email_index": email_blind_index(email)}


@transaction.atomic
def privacy_request_refuse(*, actor, request: PrivacyRequest, reason: str) -> PrivacyRequest:
    """Refuse with a reason (PIPL art. 50: a refusal states its reason). Locks the request."""
    require_perm(actor, "customers.change_privacyrequest")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(details={"reason": [_("请填写拒绝理由")]})
    request = _locked(request)
    _check_transition(request, PrivacyRequestState.REFUSED)
    before = request.state
    request.state, request.outcome = PrivacyRequestState.REFUSED, reason
    request.handled_by, request.completed_at = actor, timezone.now()
    request.save(update_fields=["state", "outcome", "handled_by", "completed_at"])
    _audit(actor, request, "privacy_refuse", before_state=before, note=reason)
    return request


# --- 查阅复制: the Excel copy -------------------------------------------------------------------------

def _local(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def _yes_no(value) -> str:
    return _("是") if value else _("否")


class _Book:
    def __init__(self):
        self.wb = Workbook(write_only=True)

    def sheet(self, title: str, headers: list[str], rows: list[list]) -> None:
        ws = header_sheet(self.wb, title, headers)
        for row in rows:
            ws.append([write_cell(ws, _local(v) if v is not None else "") for v in row])

    def content(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


def privacy_export_workbook(records: SubjectRecords, *, request: PrivacyRequest) -> bytes:
    """One sheet per kind of record, plain values (decrypted), nothing of anyone else."""
    book = _Book()
    book.sheet(_("说明"), [_("项目"), _("内容")], [
        [_("请求"), str(request)],
        [_("导出时间"), timezone.now()],
        [_("说明"), _("本文件包含本仓库保存的与您有关的全部个人信息，每类记录一个工作表。")],
        *[[label, len(rows)] for label, rows in (
            (_("联系人"), records.contacts), (_("授权同意"), records.consents), (_("收货记录"), records.orders),
            (_("沟通记录"), records.inquiries), (_("投诉"), records.complaints), (_("回访"), records.followups),
            (_("关怀"), records.care_tasks), (_("满意度答卷"), records.survey_responses),
            (_("通知"), records.notifications), (_("门户账号"), records.portal_accounts),
        )],
    ])
    book.sheet(_("联系人"), [_("客户"), _("姓名"), _("职务"), _("电话"), _("邮箱"), _("微信号"), _("QQ号"),
                             _("生日"), _("身份证号"), _("首选联系方式"), _("主要联系人"), _("备注")], [
        [str(c.customer), c.name, c.title, c.phone, c.email, c.wechat, c.qq, c.birthday, c.id_number,
         c.get_preferred_channel_display(), _yes_no(c.is_primary), c.notes] for c in records.contacts
    ])
    book.sheet(_("授权同意"), [_("客户"), _("用途"), _("接收方"), _("告知书版本"), _("同意"), _("同意时间"),
                               _("撤回时间"), _("证据")], [
        [str(c.customer), c.get_purpose_display(), c.recipient, c.version, _yes_no(c.granted), c.granted_at,
         c.withdrawn_at, c.evidence] for c in records.consents
    ])
    book.sheet(_("收货记录"), [_("出库单号"), _("客户"), _("状态"), _("收货人"), _("收货人电话"), _("省份"),
                               _("城市"), _("区县"), _("详细地址"), _("接单时间"), _("发货时间"), _("签收时间")], [
        [o.number, str(o.customer), o.get_state_display(), o.consignee_name, o.consignee_phone, o.province,
         o.city, o.district, o.address, o.created_at, o.shipped_at, o.confirmed_at] for o in records.orders
    ])
    book.sheet(_("沟通记录"), [_("客户"), _("沟通渠道"), _("受理时间"), _("咨询内容"), _("答复内容"),
                               _("答复时间")], [
        [str(i.customer), i.get_channel_display(), i.received_at, i.question, i.answer, i.answered_at]
        for i in records.inquiries
    ])
    book.sheet(_("投诉"), [_("投诉编号"), _("客户"), _("投诉类别"), _("状态"), _("受理时间"), _("投诉内容"),
                           _("答复客户内容"), _("关闭时间")], [
        [c.code, str(c.customer), c.get_category_display(), c.get_state_display(), c.received_at,
         c.description, c.answer, c.closed_at] for c in records.complaints
    ])
    book.sheet(_("回访"), [_("客户"), _("回访原因"), _("计划回访日期"), _("状态"), _("回访方式"), _("回访时间"),
                           _("满意度（1-5）"), _("回访记录")], [
        [str(f.customer), f.get_reason_display(), f.planned_on, f.get_state_display(), f.get_channel_display(),
         f.done_at, f.satisfaction, f.notes] for f in records.followups
    ])
    book.sheet(_("关怀"), [_("客户"), _("关怀类型"), _("日期"), _("状态"), _("建议祝福语")], [
        [str(t.customer), t.get_occasion_display(), t.occasion_date, t.get_state_display(), t.message]
        for t in records.care_tasks
    ])
    book.sheet(_("满意度答卷"), [_("满意度调查"), _("客户"), _("答复人"), _("提交时间"), _("回答")], [
        [str(r.campaign), str(r.customer), r.respondent, r.submitted_at, _answers(r)]
        for r in records.survey_responses
    ])
    book.sheet(_("通知"), [_("事件"), _("接收方"), _("标题"), _("正文"), _("状态"), _("创建时间")], [
        [n.event, n.recipient, n.subject, n.body, n.get_status_display(), n.created_at]
        for n in records.notifications
    ])
    book.sheet(_("门户账号"), [_("客户"), _("姓名"), _("职务"), _("登录账号"), _("邮箱"), _("启用"),
                               _("创建时间")], [
        [str(a.customer), a.name, a.title, a.user.get_username(), a.user.email, _yes_no(a.is_active),
         a.created_at] for a in records.portal_accounts
    ])
    return book.content()


def _answers(response) -> str:
    parts = []
    for answer in response.answers.select_related("question").order_by("question__position"):
        value = answer.score if answer.score is not None else (answer.choice or answer.text)
        parts.append(f"{answer.question}：{value}" + (f"（{answer.text}）" if answer.text and value != answer.text
                                                     else ""))
    return "\n".join(parts)


@dataclass
class PrivacyExport:
    content: bytes
    filename: str
    ascii_filename: str


@transaction.atomic
def privacy_request_export(*, actor, request: PrivacyRequest) -> PrivacyExport:
    """The Excel copy for a 查阅复制 request. The first download completes the request; every
    download is audited (which request, how many records of each kind — never the data)."""
    require_perm(actor, "customers.export_personal_data")
    request = _locked(request)
    if request.kind != PrivacyRequestKind.ACCESS:
        raise ValidationFailed(details={"__all__": [_("只有查阅复制请求可以导出个人信息")]})
    if request.state == PrivacyRequestState.REFUSED:
        raise IllegalTransition(details={"__all__": [_("该请求已拒绝，不能导出")]})
    records = subject_records(request=request)
    content = privacy_export_workbook(records, request=request)
    summary = _summary(records)
    if request.state == PrivacyRequestState.RECEIVED:
        request.state, request.completed_at, request.handled_by = PrivacyRequestState.COMPLETED, timezone.now(), actor
        request.outcome = _("已向请求人提供个人信息副本（Excel）：%(summary)s") % {"summary": summary}
        request.save(update_fields=["state", "completed_at", "handled_by", "outcome"])
        _audit(actor, request, "privacy_export", before_state=PrivacyRequestState.RECEIVED, note=summary)
    else:
        _audit(actor, request, "privacy_export", note=summary)
    stamp = timezone.localtime().strftime("%Y%m%d")
    return PrivacyExport(content, _("个人信息副本_%(pk)s_%(date)s.xlsx") % {"pk": request.pk, "date": stamp},
                         f"personal-data-{request.pk}-{stamp}.xlsx")


def _summary(records: SubjectRecords) -> str:
    counts = [
        (_("联系人"), records.contacts), (_("授权同意"), records.consents), (_("收货记录"), records.orders),
        (_("沟通记录"), records.inquiries), (_("投诉"), records.complaints), (_("回访"), records.followups),
        (_("关怀"), records.care_tasks), (_("满意度答卷"), records.survey_responses),
        (_("通知"), records.notifications), (_("门户账号"), records.portal_accounts),
    ]
    return "，".join(f"{label}{len(rows)}" for label, rows in counts if rows) or _("未找到该人员的个人信息")


# --- 删除: anonymisation ----------------------------------------------------------------------------

def _scrub(text: str, keys: SubjectKeys, extra: set[str]) -> str:
    """`text` with every occurrence of the person's name, phone or email replaced."""
    if not text:
        return text
    for value in sorted(keys.names | keys.emails | extra, key=len, reverse=True):
        if value and len(value) >= 2 and value != ANONYMISED:
            text = text.replace(value, ANONYMISED)
    return text


def _phone_forms(keys: SubjectKeys, records: SubjectRecords) -> set[str]:
    """The ways the person's phone is written: E.164, national digits, as stored."""
    forms = set()
    for e164 in keys.phones:
        forms |= {e164, e164.removeprefix("+86")}
    forms |= {c.phone for c in records.contacts if c.phone} | {c.email for c in records.contacts if c.email}
    forms |= {o.consignee_phone for o in records.orders if o.consignee_phone}
    return forms


def _undelivered(records: SubjectRecords) -> list[str]:
    return [o.number for o in records.orders if o.state in _UNDELIVERED_STATES]


@dataclass
class AnonymisationResult:
    request: PrivacyRequest
    summary: str
    customers_left_without_contact: list[Customer]


def _hidden_changes(fields) -> tuple[dict, dict]:
    """Before/after for the audit trail that say which fields changed, never their values."""
    return {f: "old" for f in fields}, {f: "new" for f in fields}


@transaction.atomic
def privacy_request_anonymise(*, actor, request: PrivacyRequest) -> AnonymisationResult:
    """Answer a 删除 request: replace the person's name with ANONYMISED and empty their phone,
    email and other identifiers wherever Depot holds them (contacts, consignees of orders, portal
    accounts, email notifications, survey answers; their name, phone and email in the texts of the
    records linked to them), withdraw their consents and record their objection to care messages.
    The business records themselves (orders, complaints, visits) stay.

    Locks the request and the contacts. Refuses (IllegalTransition / ValidationFailed, nothing
    changed) a request that is not an open deletion request, or while the person is the consignee
    of an order not yet delivered. Audits the request, each customer and each order with the
    names of the changed fields only.
    """
    require_perm(actor, "customers.anonymise_personal_data")
    request = _locked(request)
    if request.kind != PrivacyRequestKind.ERASURE:
        raise ValidationFailed(details={"__all__": [_("只有删除请求可以执行匿名化")]})
    _check_transition(request, PrivacyRequestState.COMPLETED)
    records = subject_records(request=request)
    pending = _undelivered(records)
    if pending:
        raise ValidationFailed(details={"__all__": [
            _("该人员是尚未送达的出库单的收货人（%(orders)s），送达、取消或拒绝后再执行删除") % {
                "orders": "、".join(pending[:10]) + ("…" if len(pending) > 10 else "")}
        ]})
    list(Contact.objects.select_for_update().filter(pk__in=[c.pk for c in records.contacts]).order_by("pk")
         .values_list("pk", flat=True))
    now, keys = timezone.now(), records.keys
    extra = _phone_forms(keys, records)
    summary = _summary(records)
    note = str(request)

    contact_ids = [c.pk for c in records.contacts]
    for contact in records.contacts:
        Contact.objects.filter(pk=contact.pk).update(
            name=ANONYMISED, title="", phone="", phone_index="", email="", email_index="", wechat="", qq="",
            birthday=None, id_number="", notes="", is_primary=False,
        )
        before, after = _hidden_changes(("name", "phone", "email", "wechat", "qq", "birthday", "id_number"))
        audit_record(actor=actor, obj=contact.customer, action="contact_anonymise",
                     before={f"#{contact.pk}.{k}": v for k, v in before.items()},
                     after={f"#{contact.pk}.{k}": v for k, v in after.items()},
                     sensitive={f"#{contact.pk}.{k}" for k in before}, note=note)
    _withdraw_consents(actor=actor, records=records, now=now, note=note)
    _scrub_linked(records, keys, extra, now=now)
    for order in records.orders:
        type(order).objects.filter(pk=order.pk).update(
            consignee_name=ANONYMISED, consignee_phone="", consignee_phone_index="", address="",
            note=_scrub(order.note, keys, extra), receipt_comment=_scrub(order.receipt_comment, keys, extra),
        )
        fields = ("consignee_name", "consignee_phone", "address")
        before, after = _hidden_changes(fields)
        audit_record(actor=actor, obj=order, action="consignee_anonymise", before=before, after=after,
                     sensitive=set(fields), note=note)
    _anonymise_notifications(records, keys, extra)
    _anonymise_portal_accounts(actor=actor, records=records, now=now, note=note)
    _remove_report_recipients(keys)

    left = _customers_left_without_contact(records.contacts)
    request.state, request.completed_at, request.handled_by = PrivacyRequestState.COMPLETED, now, actor
    request.outcome = _("已匿名化：%(summary)s。订单、投诉等业务记录按法定保存期限保留，其中的个人信息已替换。") % {
        "summary": summary}
    if left:
        request.outcome += _("以下客户已无可用联系人：%(customers)s") % {
            "customers": "、".join(c.code for c in left)}
    # Keep only the keyed hashes of the phone and email: enough to show a later enquiry that this
    # person's data was deleted, without holding it.
    request.subject_name, request.subject_phone, request.subject_email = "", "", ""
    request.save(update_fields=["state", "completed_at", "handled_by", "outcome", "subject_name",
                                "subject_phone", "subject_email"])
    _audit(actor, request, "privacy_anonymise", before_state=PrivacyRequestState.RECEIVED, note=summary)
    if contact_ids:
        _publish_contacts_changed({c.customer for c in records.contacts})
    return AnonymisationResult(request, summary, left)


def _withdraw_consents(*, actor, records: SubjectRecords, now, note: str) -> None:
    """Consents are withdrawn, not deleted: they prove what was lawful before. Each contact also
    gets a refused 营销与关怀 record, so a consent of the whole customer no longer covers them."""
    for consent in records.consents:
        if consent.in_force:
            Consent.objects.filter(pk=consent.pk).update(withdrawn_at=now)
    for contact in records.contacts:
        Consent.objects.create(
            customer_id=contact.customer_id, contact_id=contact.pk, purpose=ConsentPurpose.MARKETING,
            granted=False, granted_at=now, withdrawn_at=now, recorded_by=actor,
            evidence=_("个人信息删除请求：%(request)s") % {"request": note},
        )
        audit_record(actor=actor, obj=contact.customer, action="consent_withdraw", force=True,
                     note=_("联系人#%(pk)s 的全部授权同意（%(request)s）") % {"pk": contact.pk, "request": note})


def _scrub_linked(records: SubjectRecords, keys: SubjectKeys, extra: set[str], *, now) -> None:
    """The person's identifiers in the free texts of the records linked to them."""
    def scrub(objs, fields, **fixed):
        for obj in objs:
            values = {f: _scrub(getattr(obj, f), keys, extra) for f in fields}
            type(obj).objects.filter(pk=obj.pk).update(**values, **fixed)

    scrub(records.inquiries, ("question", "answer"))
    scrub(records.complaints, ("description", "investigation", "answer", "last_rejection_reason"))
    scrub(records.followups, ("notes",))
    pending = [t for t in records.care_tasks if t.state == "pending"]
    done = [t for t in records.care_tasks if t.state != "pending"]
    scrub(done, (), message=ANONYMISED)
    scrub(pending, (), message=ANONYMISED, state="skipped", skip_reason=_("个人信息已匿名化"), sent_at=now)
    scrub(records.survey_responses, (), respondent=ANONYMISED)
    for response in records.survey_responses:
        for answer in response.answers.all():
            type(answer).objects.filter(pk=answer.pk).update(text=_scrub(answer.text, keys, extra))


def _anonymise_notifications(records: SubjectRecords, keys: SubjectKeys, extra: set[str]) -> None:
    """Messages to the person's address: the address and their name go; one not yet sent is
    withheld, since there is no one left to send it to."""
    for n in records.notifications:
        context = dict(n.context or {})
        if "contact_name" in context:
            context["contact_name"] = ANONYMISED
        values = {"recipient": "", "subject": _scrub(n.subject, keys, extra), "body": _scrub(n.body, keys, extra),
                  "context": context}
        if n.status in ("pending", "failed"):
            values.update(status="withheld", next_attempt_at=None, last_error=_("收件人个人信息已匿名化"))
        type(n).objects.filter(pk=n.pk).update(**values)


def _anonymise_portal_accounts(*, actor, records: SubjectRecords, now, note: str) -> None:
    """The person's portal login is closed and stripped of their name and email."""
    for account in records.portal_accounts:
        type(account).objects.filter(pk=account.pk).update(
            name=ANONYMISED, title="", is_active=False, deactivated_at=account.deactivated_at or now,
        )
        user = account.user
        type(user).objects.filter(pk=user.pk).update(
            first_name="", last_name="", email="", is_active=False, username=f"anonymised-{user.pk}",
        )
        account = type(account).objects.select_related("user").get(pk=account.pk)  # str() without the name
        before, after = _hidden_changes(("name", "title", "email", "username"))
        audit_record(actor=actor, obj=account, action="portal_anonymise", before=before, after=after,
                     sensitive=set(before), note=note)


def _remove_report_recipients(keys: SubjectKeys) -> None:
    ReportSchedule = _model("analytics.ReportSchedule")
    if ReportSchedule is None or not keys.emails:
        return
    # A small table; compared in Python because addresses may be stored with capitals.
    for schedule in ReportSchedule.objects.select_for_update().exclude(recipients=[]).order_by("pk"):
        kept = [r for r in schedule.recipients if r.lower() not in keys.emails]
        if kept != schedule.recipients:
            ReportSchedule.objects.filter(pk=schedule.pk).update(recipients=kept)


def _customers_left_without_contact(contacts) -> list[Customer]:
    """Active customers none of whose contacts can be reached any more."""
    left = []
    for customer in {c.customer for c in contacts}:
        if customer.status != Status.ACTIVE:
            continue
        reachable = Contact.objects.filter(customer=customer).exclude(name=ANONYMISED)
        if not reachable.exists():
            left.append(customer)
    return sorted(left, key=lambda c: c.code)


def _publish_contacts_changed(customers) -> None:
    """Subscribed systems (webhooks, the CRM) hear that the customers' contacts changed, so that
    their copies are replaced too."""
    from depot.customers.services import _publish_changed

    for customer in sorted(customers, key=lambda c: c.pk):
        _publish_changed(customer, None, None, fields=["contacts"])
