"""Writes of the outbox.

A notification is written, with the job that delivers it, in the transaction of the business change
that causes it (`notification_enqueue`). The delivery job (`notification_deliver`) claims the row,
sends outside any transaction, then records the attempt and either marks the message delivered or
schedules the next try (policy.retry_delay) with a new job in the same transaction. A periodic
sweep (`notifications_sweep`) gives a job to every due message that has none, so a lost job or a
crashed worker never loses a message. Delivery is therefore at least once: receivers deduplicate
by notification id (header X-Depot-Delivery).
"""

import datetime
import logging
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import BigIntegerField, Exists, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.template import TemplateSyntaxError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, ValidationFailed
from depot.core.jobs import job_defer
from depot.core.permissions import require_perm
from depot.notifications import policy, rendering, selectors, sending
from depot.notifications.choices import Channel, Outcome, Status
from depot.notifications.models import DeliveryAttempt, MessageTemplate, Notification, WebhookEndpoint

logger = logging.getLogger("depot.notifications")

SWEEP_BATCH = 500
RETRYABLE = {Status.FAILED, Status.WITHHELD, Status.PENDING}


def _defer_delivery(notification_id: int, *, at=None) -> None:
    from depot.notifications.tasks import deliver_notification

    job_defer(deliver_notification, at=at, notification_id=notification_id)


# ---------------------------------------------------------------------------------------------
# Enqueueing


def _resolve_endpoint(recipient, customer) -> WebhookEndpoint:
    if isinstance(recipient, WebhookEndpoint):
        endpoint = recipient
    else:
        candidates = list(WebhookEndpoint.objects.filter(url=str(recipient or "").strip()).order_by("pk"))
        endpoint = next((e for e in candidates if customer is not None and e.owner_id == customer.pk),
                        next((e for e in candidates if e.owner_id is None), None))
        if endpoint is None:
            raise ValidationFailed(details={"recipient": [_("未登记的 Webhook 接收地址")]})
    if endpoint.owner_id is not None and (customer is None or endpoint.owner_id != customer.pk):
        raise ValidationFailed(details={"recipient": [_("该接收地址属于其他客户，不能接收此通知")]})
    return endpoint


def _withheld_reason(notification: Notification, *, template: MessageTemplate | None = None) -> str:
    """Why this message must not go out now, or "" when it may."""
    if template is not None and not template.active:
        return gettext("消息模板已停用")
    endpoint = notification.endpoint
    if notification.channel == Channel.WEBHOOK and endpoint is not None:
        if not endpoint.active:
            return gettext("Webhook 接收地址已停用")
        customer = notification.customer
        to_third_party = endpoint.owner_id is None and customer is not None
        if to_third_party and not selectors.third_party_consent_in_force(customer):
            return gettext("客户未同意向第三方系统提供信息")
    return ""


def _for_reading(value):
    """Template data as people read it: local date and time, amounts as written."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _for_reading(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_for_reading(v) for v in value]
    return value


@transaction.atomic
def notification_enqueue(*, event: str, customer=None, channel: str, recipient,
                         template_code: str | None = None, context: dict | None = None,
                         subject: str | None = None, body: str | None = None, payload: dict | None = None,
                         related=None) -> Notification:
    """Write one notification and defer its delivery job, both in the caller's transaction.

    `recipient` is an email address (channel email), or a WebhookEndpoint or its URL (channel
    webhook). With `template_code` the delivery job renders subject and body from the template of
    that code and channel with `context` (a template error is then a failed attempt, not an error
    here); without it, give `subject` and `body`. Dates and times in `context` are stored as local
    "2026-03-15 16:20" for the template. A webhook carries `payload` (default: `context`, with
    ISO 8601 times).
    A message that must not go out — its template switched off, its endpoint inactive, or a
    warehouse-side endpoint (no owner) for a customer who has not consented to sharing with third
    parties — is written as withheld, with the reason, and gets no job.

    Raises ValidationFailed (nothing written) for an unknown channel, a malformed email address,
    an unregistered endpoint or one of another customer, or an email without template or body.
    """
    return _enqueue(event=event, customer=customer, channel=channel, recipient=recipient,
                    template_code=template_code, context=context, subject=subject, body=body, payload=payload,
                    related=related)


_LOOK_UP = object()


def _enqueue(*, event, customer, channel, recipient, template_code=None, context=None, subject=None, body=None,
             payload=None, related=None, template=_LOOK_UP) -> Notification:
    """`notification_enqueue` inside the caller's transaction; `template` when already read."""
    errors: dict = {}
    endpoint = None
    if channel == Channel.EMAIL:
        recipient = str(recipient or "").strip()
        try:
            validate_email(recipient)
        except ValidationError:
            errors["recipient"] = [_("邮箱地址格式不正确")]
        if not template_code and not (body or "").strip():
            errors["body"] = [_("请指定消息模板或正文")]
    elif channel == Channel.WEBHOOK:
        try:
            endpoint = _resolve_endpoint(recipient, customer)
            recipient = endpoint.url
        except ValidationFailed as exc:
            errors.update(exc.details)
    else:
        errors["channel"] = [_("不支持的通知渠道")]
    if not (event or "").strip():
        errors["event"] = [_("请指定事件")]
    if errors:
        raise ValidationFailed(details=errors)

    if channel == Channel.WEBHOOK and payload is None:
        payload = context or {}
    notification = Notification(
        event=event.strip(), channel=channel, recipient=recipient, endpoint=endpoint, customer=customer,
        template_code=template_code or "", context=_for_reading(context or {}), subject=(subject or "")[:255],
        body=body or "", payload=payload, next_attempt_at=timezone.now(),
    )
    if related is not None:
        notification.content_type = ContentType.objects.get_for_model(related, for_concrete_model=True)
        notification.object_id = str(related.pk)
    if template is _LOOK_UP:
        template = selectors.template_for(code=template_code, channel=channel) if template_code else None
    reason = _withheld_reason(notification, template=template)
    if reason:
        notification.status, notification.next_attempt_at = Status.WITHHELD, None
        notification.last_error = reason
    notification.save()
    if not reason:
        _defer_delivery(notification.pk)
    return notification


@transaction.atomic(savepoint=False)
def notification_publish(*, event: str, customer, context: dict | None = None, payload: dict | None = None,
                         related=None) -> list[Notification]:
    """Tell everyone who should hear of `event` about this customer: an email to the customer's
    primary contact when an email template exists for the event (and the contact has an address),
    and a webhook to every active endpoint subscribed to the event that may receive this customer's
    data. Meant to be called by other apps' services, inside their transaction (it has no
    savepoint of its own: a failure here fails the caller's change)."""
    from depot.customers.selectors import primary_contact

    sent = []
    template = selectors.template_for(code=event, channel=Channel.EMAIL) if customer is not None else None
    contact = primary_contact(customer) if template is not None else None
    if contact is not None and contact.email:
        try:
            validate_email(contact.email)
        except ValidationError:
            logger.warning("notification %s for customer %s: contact email is malformed", event, customer.pk)
        else:
            sent.append(_enqueue(
                event=event, customer=customer, channel=Channel.EMAIL, recipient=contact.email,
                template_code=event, related=related, template=template,
                context={"customer_name": customer.short_name or customer.name, "contact_name": contact.name,
                         **(context or {})},
            ))
    for endpoint in selectors.endpoints_for(event=event, customer=customer):
        sent.append(_enqueue(
            event=event, customer=customer, channel=Channel.WEBHOOK, recipient=endpoint,
            context=context, payload=payload, related=related,
        ))
    return sent


# ---------------------------------------------------------------------------------------------
# Delivery


def _finish_failure(notification: Notification, error: str, *, now) -> None:
    """After a failed attempt: schedule the next one (with its job), or give up."""
    delay = policy.retry_delay(notification.attempts)
    notification.last_error = error[:4000]
    if delay is None:
        notification.status, notification.next_attempt_at = Status.FAILED, None
        logger.warning("notification %s failed for good after %s attempts: %s", notification.pk,
                       notification.attempts, error)
    else:
        notification.status, notification.next_attempt_at = Status.PENDING, now + delay
    notification.save(update_fields=["status", "next_attempt_at", "last_error"])
    if delay is not None:
        _defer_delivery(notification.pk, at=notification.next_attempt_at)


def _render(notification: Notification) -> str:
    """Fill subject and body from the template; return an error message, or "" when done."""
    template = selectors.template_for(code=notification.template_code, channel=notification.channel)
    if template is None:
        return gettext("找不到消息模板 %(code)s（%(channel)s）") % {
            "code": notification.template_code, "channel": notification.get_channel_display()}
    try:
        subject = rendering.render_subject(template.subject_template, notification.context)
        body = rendering.render(template.body_template, notification.context)
    except TemplateSyntaxError as exc:
        return gettext("消息模板有误：%(error)s") % {"error": exc}
    except Exception as exc:  # a filter choking on the data, e.g. a date filter given a string
        return gettext("消息模板渲染失败：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
    notification.subject, notification.body = subject[:255], body
    return ""


def _claim(notification_id: int) -> tuple[Notification | None, int]:
    """Take a due message for sending (status "sending" for SENDING_LEASE). Returns the message
    and the number of this attempt, or (None, 0) when there is nothing to send now."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("endpoint", "customer").filter(pk=notification_id).first())
        if notification is None:
            return None, 0  # another worker is on it
        now = timezone.now()
        if notification.status not in (Status.PENDING, Status.SENDING):
            return None, 0
        if notification.next_attempt_at and notification.next_attempt_at > now:
            return None, 0  # not due, or another worker's claim still runs
        if notification.status == Status.SENDING:
            error = gettext("上次投递中断（进程退出或超时），结果未知")
            DeliveryAttempt.objects.create(notification=notification, number=notification.attempts,
                                           outcome=Outcome.INTERRUPTED, error=error)
            if policy.retry_delay(notification.attempts) is None:
                notification.status, notification.next_attempt_at = Status.FAILED, None
                notification.last_error = error
                notification.save(update_fields=["status", "next_attempt_at", "last_error"])
                return None, 0

        template = None
        if notification.template_code:
            template = selectors.template_for(code=notification.template_code, channel=notification.channel)
        reason = _withheld_reason(notification, template=template)
        if reason:
            DeliveryAttempt.objects.create(notification=notification, number=notification.attempts,
                                           outcome=Outcome.WITHHELD, error=reason)
            notification.status, notification.next_attempt_at = Status.WITHHELD, None
            notification.last_error = reason
            notification.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None, 0

        notification.attempts += 1
        if notification.template_code and not notification.body:
            error = _render(notification)
            if error:
                DeliveryAttempt.objects.create(notification=notification, number=notification.attempts,
                                               outcome=Outcome.FAILED, error=error)
                notification.save(update_fields=["attempts"])
                _finish_failure(notification, error, now=now)
                return None, 0
        notification.status, notification.next_attempt_at = Status.SENDING, now + policy.SENDING_LEASE
        notification.save(update_fields=["attempts", "status", "next_attempt_at", "subject", "body"])
        return notification, notification.attempts


def _send(notification: Notification) -> sending.Result:
    if notification.channel == Channel.EMAIL:
        return sending.email_send(notification=notification)
    problem = _private_address_problem(notification.endpoint, resolve=True)
    if problem:
        return sending.Result(ok=False, error=problem)
    return sending.webhook_post(notification=notification, endpoint=notification.endpoint,
                                timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT)


def notification_deliver(*, notification_id: int) -> str | None:
    """Try to deliver one notification now (the delivery job). Returns the outcome, or None when
    there was nothing to do (not due, already delivered, or another worker holds it).

    Locks the row only to claim it and to record the result; the network is used outside any
    transaction. Records a DeliveryAttempt for every try; never raises for a failed delivery or
    a broken template.
    """
    notification, number = _claim(notification_id)
    if notification is None:
        return None
    started = time.monotonic()
    try:
        result = _send(notification)
    except Exception as exc:  # a bug in sending must still leave a record and a retry
        logger.exception("notification %s: sending raised", notification_id)
        result = sending.Result(ok=False, error=f"{type(exc).__name__}: {exc}")
    duration_ms = int((time.monotonic() - started) * 1000)

    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        now = timezone.now()
        DeliveryAttempt.objects.create(
            notification=notification, number=number, at=now - datetime.timedelta(milliseconds=duration_ms),
            outcome=Outcome.DELIVERED if result.ok else Outcome.FAILED, status_code=result.status_code,
            reply=result.reply[:500], duration_ms=duration_ms, error=result.error,
        )
        if notification.status != Status.SENDING or notification.attempts != number:
            return None  # our claim ran out and someone else took over; the attempt is on record
        if result.ok:
            notification.status, notification.delivered_at = Status.DELIVERED, now
            notification.next_attempt_at, notification.last_error = None, ""
            notification.save(update_fields=["status", "delivered_at", "next_attempt_at", "last_error"])
            return Outcome.DELIVERED
        error = result.error or (f"{result.status_code} {result.reply}".strip())
        _finish_failure(notification, error, now=now)
        return Outcome.FAILED


def notifications_sweep(*, now=None, limit: int = SWEEP_BATCH) -> int:
    """Give a delivery job to every message that is due and has no job waiting for it: pending ones
    whose time has come, and ones left "sending" by a worker that never reported back. Returns how
    many jobs were deferred."""
    now = now or timezone.now()
    waiting = selectors.delivery_jobs_waiting().annotate(
        notification_id=Cast(KeyTextTransform("notification_id", "args"), BigIntegerField()),
    ).filter(
        Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=OuterRef("next_attempt_at")),
        notification_id=OuterRef("pk"),
    )
    due = (Notification.objects
           .filter(status__in=[Status.PENDING, Status.SENDING], next_attempt_at__lte=now)
           .filter(~Exists(waiting))
           .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    count = 0
    for pk in due:
        _defer_delivery(pk)
        count += 1
    if count:
        logger.info("notification sweep: %s message(s) given a new delivery job", count)
    return count


@transaction.atomic
def notification_retry(*, actor, notification: Notification) -> Notification:
    """“重新发送”: try a failed, withheld or waiting message again now. A message that had used up
    its attempts gets one more; one that had attempts left continues its schedule if this one
    fails. Locks the row; raises IllegalTransition for a delivered message or one being sent."""
    require_perm(actor, "notifications.retry_notification")
    notification = selectors.notification_get(user=actor, pk=notification.pk)
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.status not in RETRYABLE:
        raise IllegalTransition(_("只有发送失败、已暂停发送或待发送的通知可以重新发送"))
    before = snapshot(notification, ["status", "next_attempt_at"])
    notification.status, notification.next_attempt_at = Status.PENDING, timezone.now()
    notification.save(update_fields=["status", "next_attempt_at"])
    _defer_delivery(notification.pk)
    audit_record(actor=actor, obj=notification, action="notification_retry", before=before,
                 after=snapshot(notification, ["status", "next_attempt_at"]), force=True)
    return notification


# ---------------------------------------------------------------------------------------------
# Templates and webhook endpoints

TEMPLATE_FIELDS = ["code", "channel", "name", "subject_template", "body_template", "active"]
ENDPOINT_FIELDS = ["owner", "name", "url", "events", "active"]


@transaction.atomic
def message_template_save(*, actor, data: dict, template: MessageTemplate | None = None) -> MessageTemplate:
    """Create or change a message template. Raises ValidationFailed when a template does not
    compile or the (code, channel) pair is taken."""
    require_perm(actor, f"notifications.{'change' if template else 'add'}_messagetemplate")
    if template is not None:
        template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    before = snapshot(template, TEMPLATE_FIELDS) if template else None
    obj = template or MessageTemplate()
    for field in TEMPLATE_FIELDS:
        if field in data:
            setattr(obj, field, data[field])
    errors = {}
    for field in ("subject_template", "body_template"):
        try:
            rendering.check(getattr(obj, field))
        except TemplateSyntaxError as exc:
            errors[field] = [gettext("模板语法错误：%(error)s") % {"error": exc}]
    try:
        obj.full_clean()
    except ValidationError as exc:
        for field, msgs in ValidationFailed.from_django(exc).details.items():
            errors.setdefault(field, []).extend(msgs)
    if errors:
        raise ValidationFailed(details=errors)
    obj.save()
    audit_record(actor=actor, obj=obj, action=ACTION_UPDATE if template else ACTION_CREATE, before=before,
                 after=snapshot(obj, TEMPLATE_FIELDS))
    return obj


def _new_secret() -> str:
    return "whsec_" + get_random_string(40)


def _private_address_problem(endpoint: WebhookEndpoint, *, resolve: bool) -> str:
    """Customers' endpoints must be public addresses (DEPOT_WEBHOOK_ALLOW_PRIVATE lifts that); the
    warehouse's own endpoints (no owner) may be anywhere."""
    if endpoint.owner_id is None or settings.DEPOT_WEBHOOK_ALLOW_PRIVATE:
        return ""
    return sending.private_address_problem(endpoint.url, resolve=resolve)


def _endpoint_errors(obj: WebhookEndpoint) -> dict:
    errors = {}
    try:
        URLValidator(schemes=["http", "https"])(obj.url)
    except ValidationError:
        errors["url"] = [_("请填写以 http:// 或 https:// 开头的地址")]
    else:
        problem = _private_address_problem(obj, resolve=False)
        if problem:
            errors["url"] = [problem]
    obj.events = sorted({e.strip() for e in obj.events if e and e.strip()})
    if not obj.events:
        errors["events"] = [_("请至少订阅一个事件")]
    return errors


@transaction.atomic
def webhook_endpoint_create(*, actor, data: dict) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint with a newly generated secret. Returns the endpoint and the secret,
    which is shown to the user this once."""
    require_perm(actor, "notifications.add_webhookendpoint")
    endpoint = WebhookEndpoint(**{f: data[f] for f in ENDPOINT_FIELDS if f in data})
    errors = _endpoint_errors(endpoint)
    if errors:
        raise ValidationFailed(details=errors)
    secret = _new_secret()
    endpoint.secret = secret
    endpoint.save()
    audit_record(actor=actor, obj=endpoint, action=ACTION_CREATE, after=snapshot(endpoint, ENDPOINT_FIELDS))
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, actor, endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    require_perm(actor, "notifications.change_webhookendpoint")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = snapshot(endpoint, ENDPOINT_FIELDS)
    for field in ENDPOINT_FIELDS:
        if field in data:
            setattr(endpoint, field, data[field])
    errors = _endpoint_errors(endpoint)
    if errors:
        raise ValidationFailed(details=errors)
    endpoint.save()
    audit_record(actor=actor, obj=endpoint, action=ACTION_UPDATE, before=before,
                 after=snapshot(endpoint, ENDPOINT_FIELDS))
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """Replace the endpoint's secret; messages sent from now on are signed with the new one."""
    require_perm(actor, "notifications.change_webhookendpoint")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = _new_secret()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret"])
    audit_record(actor=actor, obj=endpoint, action="webhook_secret_rotate", force=True)
    return endpoint, secret
