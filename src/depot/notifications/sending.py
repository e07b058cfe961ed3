"""Talking to the outside: one email through Django's email backend, one signed webhook POST.
Neither raises: each returns what happened, for the delivery log."""

import json
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.serializers.json import DjangoJSONEncoder

from depot.notifications.policy import webhook_signature

USER_AGENT = "Depot-Webhook/1"


@dataclass
class Result:
    ok: bool
    status_code: int | None = None
    reply: str = ""
    error: str = ""


def _text(raw, limit=500) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    return str(raw or "").strip()[:limit]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def email_send(*, notification) -> Result:
    from_email = settings.DEFAULT_FROM_EMAIL
    domain = from_email.rpartition("@")[2].strip(">") or "localhost"
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        message = EmailMessage(
            subject=notification.subject, body=notification.body, from_email=from_email,
            to=[notification.recipient], connection=connection,
            # The same Message-ID on every attempt lets mail systems drop a duplicate.
            headers={"Message-ID": f"<notification-{notification.pk}@{domain}>",
                     "X-Depot-Event": notification.event, "X-Depot-Delivery": str(notification.pk)},
        )
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (None, b""))
        return Result(ok=False, status_code=code, reply=_text(reply), error=_describe(exc))
    except smtplib.SMTPResponseException as exc:
        return Result(ok=False, status_code=exc.smtp_code, reply=_text(exc.smtp_error), error=_describe(exc))
    except Exception as exc:  # connection refused, timeout, TLS, authentication…
        return Result(ok=False, error=_describe(exc))
    # smtplib raises unless the server answered 250 to the message
    return Result(ok=True, status_code=250 if isinstance(connection, SmtpBackend) else None)


def private_address_problem(url: str, *, resolve: bool) -> str:
    """Why a customer's webhook must not go to `url`: its host is this machine or an address of a
    private, link-local or reserved network (so that a customer cannot make the warehouse's server
    call into its own network). With `resolve`, the host name's addresses are checked too."""
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    from django.utils.translation import gettext

    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    refused = gettext("不能使用本机或内网地址")
    if not host or host == "localhost" or host.endswith(".localhost"):
        return refused
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        if not resolve:
            return ""
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return ""  # the delivery itself reports that the name does not resolve
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if any(not a.is_global for a in addresses):
        return refused
    return ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery: the receiver must answer 2xx at the URL it registered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def webhook_body(*, notification) -> bytes:
    envelope = {
        "id": notification.pk,
        "event": notification.event,
        "created_at": notification.created_at,
        "customer": notification.customer.code if notification.customer_id else None,
        "data": notification.payload if notification.payload is not None else notification.context,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_post(*, notification, endpoint, timeout: float) -> Result:
    body = webhook_body(notification=notification)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Depot-Event": notification.event,
        "X-Depot-Delivery": str(notification.pk),
        "X-Depot-Timestamp": timestamp,
        "X-Depot-Signature": webhook_signature(endpoint.secret, timestamp, body),
    })
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Result(ok=200 <= response.status < 300, status_code=response.status,
                          reply=_text(response.read(500)))
    except urllib.error.HTTPError as exc:
        try:
            reply = _text(exc.read(500))
        except Exception:
            reply = ""
        return Result(ok=False, status_code=exc.code, reply=reply, error=f"HTTP {exc.code} {exc.reason}")
    except Exception as exc:  # refused, DNS, TLS, timeout (connect or read)
        reason = getattr(exc, "reason", None)
        return Result(ok=False, error=_describe(reason if isinstance(reason, BaseException) else exc))
