"""Every change to the customer archive. Each function is one use case, runs in one transaction,
checks the actor's permission, validates (raising `ValidationFailed` with field messages and
changing nothing) and writes the audit trail."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import DomainError, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers import grading, selectors
from depot.customers.choices import Status
from depot.customers.models import Consent, Contact, CreditChange, Customer, GradingRule
from depot.customers.policy import check_status_transition
from depot.customers.validators import (
    credit_code_problem,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
    validate_resident_id,
)

# Fields a specialist edits on the customer form. Grade, credit, status and the responsible
# specialist change only through their own services, each with a reason.
PROFILE_FIELDS = (
    "name", "short_name", "credit_code", "credit_code_exception", "nature", "industry", "business_scope",
    "province", "city", "district", "address", "storage_types", "expected_monthly_inbound",
    "expected_monthly_outbound", "expected_pallets", "business_needs", "special_requirements",
    "payment_terms", "payment_days", "cooperation_since", "notes",
)
AUDITED_FIELDS = PROFILE_FIELDS + (
    "code", "grade", "grade_source", "grade_reason", "credit_limit", "credit_rating", "overdue_amount", "status",
    "status_reason",
    "owner", "tags",
)
CONTACT_FIELDS = (
    "name", "title", "phone", "email", "wechat", "qq", "birthday", "id_number", "preferred_channel",
    "is_primary", "notes",
)


class SimilarNameWarning(ValidationFailed):
    code = "similar_name"


def _customer_link(customer: Customer) -> str:
    try:
        url = reverse("admin:customers_customer_change", args=[customer.pk])
    except NoReverseMatch:  # the customer admin is not installed (e.g. the API alone)
        return format_html("{}", str(customer))
    return format_html('<a href="{}">{}</a>', url, str(customer))


def _next_code() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('depot.customer_code'))")
        cur.execute(
            "SELECT COALESCE(MAX(substring(code FROM 2)::int), 0) FROM customers_customer WHERE code ~ '^C[0-9]+$'"
        )
        return f"C{cur.fetchone()[0] + 1:05d}"


def _validate_customer(*, actor, customer: Customer, confirm_similar: bool, check_name: bool) -> None:
    errors: dict[str, list[str]] = {}
    customer.credit_code = normalize_credit_code(customer.credit_code)
    customer.credit_code_exception = (customer.credit_code_exception or "").strip()
    if customer.credit_code:
        problem = credit_code_problem(customer.credit_code)
        if problem and not customer.credit_code_exception:
            errors.setdefault("credit_code", []).append(
                problem + _("。如确认代码真实有效，请主管填写“信用代码例外说明”后保存")
            )
        elif problem and not actor.has_perm("customers.accept_invalid_credit_code"):
            errors.setdefault("credit_code_exception", []).append(_("只有客户服务主管可以接受未通过校验的信用代码"))
        existing = selectors.customer_by_credit_code(credit_code=customer.credit_code, exclude_pk=customer.pk)
        if existing:
            errors.setdefault("credit_code", []).append(
                format_html(_("该统一社会信用代码已属于客户 {}"), _customer_link(existing))
            )
    try:
        customer.full_clean(exclude=["code", "credit_code"] if not customer.code else ["credit_code"],
                            validate_constraints=False)
    except ValidationError as exc:
        for field, msgs in ValidationFailed.from_django(exc).details.items():
            errors.setdefault(field, []).extend(msgs)
    if errors:
        raise ValidationFailed(details=errors)
    if check_name and not confirm_similar:
        similar = selectors.customer_similar_names(name=customer.name, exclude_pk=customer.pk)
        if similar:
            links = format_html(", ".join(["{}"] * len(similar)), *[_customer_link(c) for c in similar])
            raise SimilarNameWarning(
                _("已有名称相近的客户"),
                details={"name": [format_html(
                    _("已有名称相近的客户：{}。如确认不是同一家，请勾选“确认不是重复客户”后再保存"), links
                )]},
            )


def _save(customer: Customer) -> None:
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        if "customer_credit_code_unique" in str(exc):
            raise ValidationFailed(details={"credit_code": [_("该统一社会信用代码已被其他客户使用")]}) from None
        raise


@transaction.atomic
def customer_create(*, actor, data: dict, contacts: list[dict] = (), tags=None, confirm_similar: bool = False
                    ) -> Customer:
    """Create a customer file with its contacts.

    The creating specialist becomes the responsible one unless `data["owner"]` names someone else
    (needs `customers.assign_customer`). Initial grade and credit need `customers.change_credit`.
    Raises ValidationFailed (field errors; SimilarNameWarning when a very similar name exists and
    `confirm_similar` is false) or PermissionDenied. Records a `create` audit entry.
    """
    require_perm(actor, "customers.add_customer")
    data = dict(data)
    owner = data.pop("owner", None) or (None if actor.has_perm("customers.view_all_customers") else actor)
    if owner is not None and owner != actor:
        require_perm(actor, "customers.assign_customer", _("只有主管可以把客户分配给其他客服"))
    if any(data.get(f) not in (None, "", 0, Decimal(0)) for f in ("credit_limit", "credit_rating")):
        require_perm(actor, "customers.change_credit")
    allowed = set(PROFILE_FIELDS) | {"code", "grade", "credit_limit", "credit_rating", "status"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationFailed(details={f: [_("不能在此设置该字段")] for f in sorted(unknown)})
    customer = Customer(owner=owner, **{k: v for k, v in data.items() if v is not None})
    if not customer.code:
        customer.code = _next_code()
    if customer.status == Status.ACTIVE and not customer.cooperation_since:
        customer.cooperation_since = timezone.localdate()
    _validate_customer(actor=actor, customer=customer, confirm_similar=confirm_similar, check_name=True)
    customer.status_changed_at = timezone.now()
    _save(customer)
    if tags is not None:
        customer.tags.set(tags)
    for i, contact in enumerate(contacts):
        _contact_save(actor=actor, contact=Contact(customer=customer), data=contact, field_prefix=f"contacts[{i}].")
    audit_record(actor=actor, obj=customer, action=ACTION_CREATE, after=snapshot(customer, AUDITED_FIELDS))
    return customer


def _publish_changed(customer: Customer, before: dict | None, after: dict | None, *, fields=()) -> None:
    """Tell subscribed systems (webhooks of the customer and of the warehouse's CRM, consent
    permitting) that the customer's record changed: which fields, never their values."""
    from django.apps import apps

    if not apps.is_installed("depot.notifications"):
        return
    changed = sorted(set(fields) | {k for k in (after or {}) if (before or {}).get(k) != (after or {}).get(k)})
    if not changed:
        return
    from depot.notifications.services import notification_publish

    notification_publish(event="customer.changed", customer=customer, related=customer,
                         context={"customer_code": customer.code, "changed": changed},
                         payload={"customer_code": customer.code, "changed": changed})


def _locked(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: dict, tags=None, confirm_similar: bool = False
                    ) -> Customer:
    """Change profile fields (PROFILE_FIELDS) and tags. Locks the customer row.

    A renamed customer is checked for similar names again. Records the field differences.
    """
    require_perm(actor, "customers.change_customer")
    selectors.customer_get(user=actor, pk=customer.pk)  # scoping: raises NotFound
    customer = _locked(customer)
    before = snapshot(customer, AUDITED_FIELDS)
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationFailed(details={f: [_("该字段需通过专门的操作修改")] for f in sorted(unknown)})
    old_name = customer.name
    old_exception = customer.credit_code_exception
    for field, value in data.items():
        setattr(customer, field, value)
    if customer.credit_code_exception != old_exception:
        require_perm(actor, "customers.accept_invalid_credit_code", _("只有客户服务主管可以填写信用代码例外说明"))
    _validate_customer(actor=actor, customer=customer, confirm_similar=confirm_similar,
                       check_name=customer.name != old_name)
    _save(customer)
    if tags is not None:
        customer.tags.set(tags)
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action=ACTION_UPDATE, before=before, after=after)
    _publish_changed(customer, before, after)
    return customer


@transaction.atomic
def customer_change_status(*, actor, customer: Customer, status: str, reason: str = "") -> Customer:
    """Move the customer along its lifecycle (policy.STATUS_TRANSITIONS). Suspending or closing
    needs a reason. Raises IllegalTransition and changes nothing otherwise."""
    require_perm(actor, "customers.change_customer")
    selectors.customer_get(user=actor, pk=customer.pk)
    customer = _locked(customer)
    check_status_transition(customer.status, status, reason)
    before = snapshot(customer, AUDITED_FIELDS)
    customer.status, customer.status_reason = status, (reason or "").strip()
    customer.status_changed_at = timezone.now()
    if status == Status.ACTIVE and not customer.cooperation_since:
        customer.cooperation_since = timezone.localdate()
    customer.save()
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action="status_change", before=before, after=after,
                 note=customer.status_reason)
    _publish_changed(customer, before, after)
    return customer


def _decimal(value, field) -> Decimal:
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(details={field: [_("请输入金额数字")]}) from None
    if result < 0 or result >= Decimal("1e12") or result != result.quantize(Decimal("0.01")):
        raise ValidationFailed(details={field: [_("金额须为非负数，最多两位小数")]})
    return result


@transaction.atomic
def customer_change_credit(*, actor, customer: Customer, credit_limit, credit_rating: str, reason: str
                           ) -> CreditChange:
    """Set credit limit and rating with a reason; keeps a CreditChange row and an audit entry."""
    require_perm(actor, "customers.change_credit")
    selectors.customer_get(user=actor, pk=customer.pk)
    if not (reason or "").strip():
        raise ValidationFailed(details={"reason": [_("请填写调整原因")]})
    limit = _decimal(credit_limit, "credit_limit")
    from depot.customers.choices import CreditRating

    if credit_rating and credit_rating not in CreditRating.values:
        raise ValidationFailed(details={"credit_rating": [_("信用等级无效")]})
    customer = _locked(customer)
    before = snapshot(customer, AUDITED_FIELDS)
    change = CreditChange.objects.create(
        customer=customer, old_limit=customer.credit_limit, new_limit=limit, old_rating=customer.credit_rating,
        new_rating=credit_rating or "", reason=reason.strip()[:200], changed_by=actor,
    )
    customer.credit_limit, customer.credit_rating = limit, credit_rating or ""
    customer.save()
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action="credit_change", before=before, after=after, note=change.reason)
    _publish_changed(customer, before, after)
    return change


@transaction.atomic
def customer_set_overdue(*, actor, customer: Customer, amount, note: str = "") -> Customer:
    """Record the customer's overdue receivables (until billing computes them). While it is above
    zero, every new outbound order goes to a supervisor's credit review."""
    require_perm(actor, "customers.change_credit")
    selectors.customer_get(user=actor, pk=customer.pk)
    amount = _decimal(amount, "overdue_amount")
    customer = _locked(customer)
    before = snapshot(customer, AUDITED_FIELDS)
    customer.overdue_amount = amount
    customer.save()
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action="credit_change", before=before, after=after, note=note)
    _publish_changed(customer, before, after)
    return customer


@transaction.atomic
def customer_set_grade(*, actor, customer: Customer, grade: str, reason: str) -> Customer:
    """Set the grade by hand, with a reason."""
    from depot.customers.choices import Grade, GradeSource

    require_perm(actor, "customers.change_customer")
    selectors.customer_get(user=actor, pk=customer.pk)
    if grade not in Grade.values:
        raise ValidationFailed(details={"grade": [_("客户等级无效")]})
    if not (reason or "").strip():
        raise ValidationFailed(details={"reason": [_("请填写定级理由")]})
    customer = _locked(customer)
    before = snapshot(customer, AUDITED_FIELDS)
    customer.grade, customer.grade_source, customer.grade_reason = grade, GradeSource.MANUAL, reason.strip()
    customer.save()
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action="grade_change", before=before, after=after,
                 note=customer.grade_reason)
    _publish_changed(customer, before, after)
    return customer


@transaction.atomic
def customer_apply_grade_suggestion(*, actor, customer: Customer) -> Customer:
    """Set the grade the rules suggest (grading.grade_suggest), keeping the reasons."""
    from depot.customers.choices import GradeSource

    require_perm(actor, "customers.change_customer")
    selectors.customer_get(user=actor, pk=customer.pk)
    customer = _locked(customer)
    suggestion = grading.grade_suggest(customer)
    before = snapshot(customer, AUDITED_FIELDS)
    customer.grade, customer.grade_source, customer.grade_reason = (
        suggestion.grade, GradeSource.RULES, suggestion.text
    )
    customer.save()
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action="grade_change", before=before, after=after, note=suggestion.text)
    _publish_changed(customer, before, after)
    return customer


@transaction.atomic
def customer_assign(*, actor, customer: Customer, owner) -> Customer:
    """Make `owner` the responsible CS specialist."""
    require_perm(actor, "customers.assign_customer")
    if owner is not None and not (owner.is_active and owner.is_staff):
        raise ValidationFailed(details={"owner": [_("负责人必须是在职的员工账号")]})
    customer = _locked(customer)
    before = snapshot(customer, AUDITED_FIELDS)
    customer.owner = owner
    customer.save()
    after = snapshot(customer, AUDITED_FIELDS)
    audit_record(actor=actor, obj=customer, action="assign", before=before, after=after)
    _publish_changed(customer, before, after)
    return customer


def _contact_save(*, actor, contact: Contact, data: dict, field_prefix: str = "") -> Contact:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationFailed(details={field_prefix + f: [_("未知字段")] for f in sorted(unknown)})
    for field, value in data.items():
        setattr(contact, field, "" if value is None and field not in ("birthday",) else value)
    if contact.phone:
        try:
            contact.phone, _e164 = normalize_phone(contact.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if contact.email:
        try:
            contact.email = normalize_email(contact.email)
        except ValidationError:
            errors["email"] = [_("邮箱格式不正确：%(v)s") % {"v": contact.email}]
    if contact.id_number:
        try:
            contact.id_number = validate_resident_id(contact.id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if not contact.phone and not contact.email and not contact.wechat and not contact.qq:
        errors.setdefault("phone", []).append(_("电话、邮箱、微信、QQ至少填写一项"))
    try:
        contact.full_clean(exclude=["customer", "phone", "email", "id_number"], validate_constraints=False)
    except ValidationError as exc:
        for field, msgs in ValidationFailed.from_django(exc).details.items():
            errors.setdefault(field, []).extend(msgs)
    if errors:
        raise ValidationFailed(details={field_prefix + f: m for f, m in errors.items()})
    if contact.is_primary:
        Contact.objects.filter(customer=contact.customer, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )
    contact.save()
    return contact


@transaction.atomic
def contact_save(*, actor, customer: Customer, data: dict, contact: Contact | None = None) -> Contact:
    """Add a contact to `customer`, or change `contact`. Phone and email are normalised and
    validated; their values never enter the audit trail."""
    require_perm(actor, "customers.change_contact" if contact else "customers.add_contact")
    customer = _locked(selectors.customer_get(user=actor, pk=customer.pk))
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError(_("联系人不属于该客户"))
    before = snapshot(contact, CONTACT_FIELDS) if contact else None
    contact = _contact_save(actor=actor, contact=contact or Contact(customer=customer), data=data)
    after = snapshot(contact, CONTACT_FIELDS)
    audit_record(
        actor=actor, obj=customer, action="contact_update" if before else "contact_create",
        before={f"{contact.name}.{k}": v for k, v in (before or {}).items()},
        after={f"{contact.name}.{k}": v for k, v in after.items()},
        sensitive={f"{contact.name}.{k}" for k in Contact.PII_FIELDS},
    )
    _publish_changed(customer, None, None, fields=["contacts"])
    return contact


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    require_perm(actor, "customers.delete_contact")
    customer = _locked(selectors.customer_get(user=actor, pk=contact.customer_id))
    audit_record(actor=actor, obj=customer, action="contact_delete", force=True, note=contact.name)
    contact.delete()
    _publish_changed(customer, None, None, fields=["contacts"])


@transaction.atomic
def consent_record(*, actor, customer: Customer, purpose: str, recipient: str = "", version: str = "1.0",
                   evidence: str = "", evidence_file=None, contact: Contact | None = None,
                   granted_at=None) -> Consent:
    """Record what the customer agreed to (PIPL): purpose, recipient, notice version, evidence."""
    require_perm(actor, "customers.add_consent")
    customer = selectors.customer_get(user=actor, pk=customer.pk)
    consent = Consent(
        customer=customer, contact=contact, purpose=purpose, recipient=recipient.strip(), version=version,
        evidence=evidence, recorded_by=actor, granted_at=granted_at or timezone.now(),
    )
    if evidence_file:
        consent.evidence_file = evidence_file
    if not evidence and not evidence_file:
        raise ValidationFailed(details={"evidence": [_("请记录同意的证据（协议编号、邮件或上传文件）")]})
    try:
        consent.full_clean(exclude=["customer", "contact", "recorded_by"])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    consent.save()
    audit_record(actor=actor, obj=customer, action="consent_grant", force=True,
                 note=f"{consent.get_purpose_display()} {consent.recipient} v{consent.version}")
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent: Consent, note: str = "") -> Consent:
    require_perm(actor, "customers.change_consent")
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    selectors.customer_get(user=actor, pk=consent.customer_id)
    if consent.withdrawn_at:
        raise ValidationFailed(details={"__all__": [_("该同意已撤回")]})
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    audit_record(actor=actor, obj=consent.customer, action="consent_withdraw", force=True,
                 note=f"{consent.get_purpose_display()} {consent.recipient} {note}".strip())
    return consent


@transaction.atomic
def grading_rule_save(*, actor, grade: str, data: dict) -> GradingRule:
    """Create or change the thresholds of one grade (supervisors)."""
    require_perm(actor, "customers.change_gradingrule")
    rule = GradingRule.objects.select_for_update().filter(grade=grade).first() or GradingRule(grade=grade)
    fields = ("min_tenure_months", "min_credit_rating", "min_order_value_12m", "min_orders_per_month",
              "max_complaints_12m", "max_complaint_resolution_hours", "rfm_segments")
    before = snapshot(rule, fields) if rule.pk else None
    for f in fields:
        if f in data:
            setattr(rule, f, data[f])
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    rule.save()
    audit_record(actor=actor, obj=rule, action=ACTION_UPDATE if before else ACTION_CREATE, before=before,
                 after=snapshot(rule, fields))
    return rule

