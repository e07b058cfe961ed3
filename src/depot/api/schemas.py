"""What every endpoint shares: the problem body, timestamps in local time, strict input types,
and the scoping of a request to a customer."""

import datetime
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BaseModel, ConfigDict, PlainSerializer, StrictBool, StrictInt

from depot.core.errors import NotFound, PermissionDenied, ValidationFailed
from depot.customers.models import Customer
from depot.customers.selectors import customer_list


def _local(value: datetime.datetime | None):
    """Beijing time (`TIME_ZONE`; Depot activates no other time zone). The default time zone is
    looked up once, not per value as `timezone.localtime` does: a page has hundreds of times."""
    return timezone.localtime(value, timezone.get_default_timezone()).isoformat() if value is not None else None


LocalDateTime = Annotated[datetime.datetime, PlainSerializer(_local, return_type=str)]
Int = StrictInt
Bool = StrictBool


class Out(BaseModel):
    """Response bodies. Endpoints build them as dicts, which plain pydantic validates much faster
    than ninja's `Schema` (made to read ORM objects attribute by attribute)."""


class InputSchema(Schema):
    """Request bodies: an unknown field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Out):
    field: str | None
    message: str


class Problem(Out):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[FieldError]


READ_ERRORS = {401: Problem, 403: Problem, 422: Problem, 429: Problem}
ONE_ERRORS = {**READ_ERRORS, 404: Problem}
WRITE_ERRORS = {**ONE_ERRORS, 409: Problem, 413: Problem}


# ---- scoping ------------------------------------------------------------------------------

def require_perm(principal, perm: str) -> None:
    actor = principal.actor
    if not (actor.is_active and actor.has_perm(perm)):
        raise PermissionDenied()


def customer_scope(principal, code: str | None, *, field: str = "customer_code") -> Customer | None:
    """The customer a request is about. A customer token: always its own (another code is "not
    found"). A staff token: the visible customer with `code`, or None (all visible customers)."""
    code = (code or "").strip()
    if principal.customer is not None:
        if code and code != principal.customer.code:
            raise NotFound(details={field: [_("客户不存在或无权访问")]})
        return principal.customer
    if not code:
        return None
    customer = customer_list(user=principal.actor).filter(code=code).first()
    if customer is None:
        raise NotFound(details={field: [_("客户不存在或无权访问")]})
    return customer


def customer_seen(principal, customer: Customer | None) -> bool:
    """Whether `customer`, from `customer_scope`, is known to be one the principal's actor sees, so
    that an endpoint may read its rows directly rather than through the subquery of visible
    customers: a staff token's was found among them by `customer_scope`; a customer token's own
    customer is asked once per principal (`Principal.sees_own_customer`)."""
    if customer is None:
        return False
    if principal.customer is None:
        return True
    return customer.pk == principal.customer.pk and principal.sees_own_customer()


def customer_for_write(principal, code: str | None) -> Customer:
    customer = customer_scope(principal, code)
    if customer is None:
        raise ValidationFailed(details={"customer_code": [_("员工令牌下单时请填写客户编码")]})
    return customer


def aware(value: datetime.datetime | None) -> datetime.datetime | None:
    """A time without an offset is Beijing time."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
