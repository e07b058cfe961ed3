"""Every change to API tokens: creation (the raw token returned once), revocation, and the
technical user a customer's tokens act as."""

import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.api.choices import Scope
from depot.api.models import ApiToken, ServiceAccount
from depot.core.accounts import group_sync
from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.models import Customer
from depot.customers.selectors import customer_list

TOKEN_PREFIX = "dpt_"
VISIBLE_CHARS = 8
AUDITED_FIELDS = ("name", "prefix", "customer", "user", "scopes", "expires_at", "rate_limit", "revoked_at")

SERVICE_GROUP = "api_client"
# What the services need to act for one customer. The customer is pinned by the API layer on every
# call (`depot.api.auth.Principal`); `view_all_customers` only lets the services find it.
SERVICE_PERMISSIONS = [
    "customers.view_customer", "customers.view_all_customers",
    "inventory.view_item", "inventory.view_lot", "inventory.view_balance", "inventory.view_warehouse",
    "inventory.reserve_stock",
    "orders.view_outboundorder", "orders.view_outboundline", "orders.view_inboundorder", "orders.view_inboundline",
    "orders.view_orderevent",
    "orders.add_outboundorder", "orders.audit_outbound", "orders.cancel_outbound", "orders.add_inboundorder",
    "notifications.view_webhookendpoint", "notifications.add_webhookendpoint",
    "notifications.change_webhookendpoint",
]


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def service_group_sync(*, using: str = "default") -> Group:
    return group_sync(name=SERVICE_GROUP, permissions=SERVICE_PERMISSIONS, using=using)


def service_account_for(customer: Customer) -> ServiceAccount:
    """The customer's technical user, created on first use: active (the services check that), no
    usable password and not staff, so it can never log in; only a customer token acts as it."""
    account = ServiceAccount.objects.select_related("user").filter(customer=customer).first()
    if account is not None:
        return account
    User = get_user_model()
    username = f"api-{customer.code}"
    if User.objects.filter(username=username).exists():
        username = f"api-{customer.code}-{customer.pk}"
    label = _("API：%(name)s") % {"name": customer.short_name or customer.name}
    user = User(username=username, first_name=label[:150], is_staff=False, is_active=True)
    user.set_unusable_password()
    user.save()
    user.groups.add(service_group_sync())
    return ServiceAccount.objects.create(customer=customer, user=user)


def token_customers(*, user):
    """The customers `user` may create and manage tokens for: holders of
    `api.manage_all_apitokens` (supervisors, admins) every customer they see; everyone else the
    customers they are responsible for — a keeper, who sees every customer, none."""
    qs = customer_list(user=user)
    if user.has_perm("api.manage_all_apitokens"):
        return qs
    return qs.filter(owner=user)


def _parse_scopes(scopes) -> list[str]:
    if isinstance(scopes, str) or not scopes:
        raise ValidationFailed(details={"scopes": [_("请至少选择一项权限范围")]})
    chosen = []
    for scope in scopes:
        if scope not in Scope.values:
            raise ValidationFailed(details={"scopes": [_("未知的权限范围：%(scope)s") % {"scope": scope}]})
        if scope not in chosen:
            chosen.append(scope)
    return sorted(chosen)


@transaction.atomic
def token_create(*, actor, name: str, scopes, customer: Customer | None = None, user=None,
                 expires_at: datetime.datetime | None = None, rate_limit: int | None = None
                 ) -> tuple[ApiToken, str]:
    """Create a token for `customer` (CS for a customer of theirs, see `token_customers`) or for
    `user` (staff, for themselves only). Returns (token, raw token); the raw token is not stored and cannot be shown
    again. Raises PermissionDenied, NotFound (customer not visible), ValidationFailed (no name, no or
    unknown scope, expiry in the past, neither or both of customer and user). Audited."""
    require_perm(actor, "api.add_apitoken")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写令牌名称")]
    elif len(name) > 100:
        errors["name"] = [_("不能超过%(n)d个字符") % {"n": 100}]
    try:
        scopes = _parse_scopes(scopes)
    except ValidationFailed as exc:
        errors.update(exc.details)
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("到期时间必须晚于现在")]
    if rate_limit is not None and (isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 1):
        errors["rate_limit"] = [_("每分钟请求上限至少为1")]
    if (customer is None) == (user is None):
        errors["customer"] = [_("请选择客户，或为本人创建员工令牌")]
    if errors:
        raise ValidationFailed(details=errors)
    if customer is not None:
        try:
            customer = token_customers(user=actor).get(pk=customer.pk)
        except Customer.DoesNotExist:
            raise NotFound() from None
        service_account_for(customer)
    elif user.pk != actor.pk:
        raise PermissionDenied(_("员工令牌只能为本人创建"))

    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name, prefix=raw[:len(TOKEN_PREFIX) + VISIBLE_CHARS], key_hash=hash_token(raw), customer=customer,
        user=user, scopes=scopes, expires_at=expires_at, rate_limit=rate_limit, created_by=actor,
    )
    audit_record(actor=actor, obj=token, action=ACTION_CREATE, after=snapshot(token, AUDITED_FIELDS))
    return token, raw


def can_manage(actor, token: ApiToken) -> bool:
    """Holders of `api.manage_all_apitokens` manage every token; others their own staff tokens and
    the tokens of the customers they are responsible for."""
    if not (actor and actor.is_active):
        return False
    if actor.has_perm("api.manage_all_apitokens"):
        return True
    if token.user_id is not None:
        return token.user_id == actor.pk
    return token_customers(user=actor).filter(pk=token.customer_id).exists()


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once: the next request with it is refused (401). Locks the token row.
    Raises PermissionDenied, NotFound (a token the actor may not manage), IllegalTransition
    (already revoked). Audited."""
    require_perm(actor, "api.revoke_apitoken")
    try:
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
    except ApiToken.DoesNotExist:
        raise NotFound() from None
    if not can_manage(actor, token):
        raise NotFound()
    if token.revoked_at is not None:
        raise IllegalTransition(_("该令牌已于%(at)s吊销") % {
            "at": timezone.localtime(token.revoked_at).strftime("%Y-%m-%d %H:%M")})
    before = snapshot(token, AUDITED_FIELDS)
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, obj=token, action=ACTION_UPDATE, before=before, after=snapshot(token, AUDITED_FIELDS),
                 note=_("吊销令牌"))
    return token


def token_touch(token: ApiToken, *, now=None, every: datetime.timedelta = datetime.timedelta(minutes=1)) -> None:
    """Record that the token was used — at most once per `every`, so a busy token does not cost a
    write per request. The condition is in the UPDATE, so concurrent processes write it once."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < every:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - every)).update(last_used_at=now)
    token.last_used_at = now


# ---- webhook endpoints a customer registers through the API ---------------------------------

# What a customer's own endpoint may subscribe to. All of them concern only that customer.
WEBHOOK_EVENTS = {
    "order.status_changed": _("出库单、入库单状态变更"),
    "order.incomplete": _("订单信息不完整"),
    "order.held": _("订单暂停处理"),
    "order.shipped": _("订单已发货"),
    "inbound.received": _("入库收货完成"),
    "complaint.updated": _("投诉进展"),
    "stock.below_reorder_point": _("库存低于再订货点"),
    "customer.changed": _("客户档案变更"),
    "order.delayed": _("订单延误"),
    "incident.updated": _("货损货丢处理进展"),
}
MAX_WEBHOOKS_PER_CUSTOMER = 10


def customer_webhooks(*, customer: Customer):
    """The customer's webhook endpoints that are in use (a removed one is switched off, not shown)."""
    from depot.notifications.models import WebhookEndpoint

    return WebhookEndpoint.objects.filter(owner=customer, active=True).order_by("created_at", "pk")


def customer_webhook_get(*, customer: Customer, pk):
    try:
        return customer_webhooks(customer=customer).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound(_("Webhook 接收地址不存在")) from None


def customer_webhook_register(*, actor, customer: Customer, url: str, events: list[str], name: str = ""):
    """Register an endpoint of `customer` for `events` (see WEBHOOK_EVENTS). Returns (endpoint,
    secret); the secret is not shown again. Raises ValidationFailed (unknown event, bad URL, the
    same URL already registered, more than MAX_WEBHOOKS_PER_CUSTOMER) with nothing written."""
    from depot.notifications.services import webhook_endpoint_create

    url = (url or "").strip()
    errors = {}
    unknown = [f"events[{i}]" for i, e in enumerate(events, 1) if e not in WEBHOOK_EVENTS]
    for field in unknown:
        errors[field] = [_("未知事件，可选：%(events)s") % {"events": "、".join(WEBHOOK_EVENTS)}]
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        existing = customer_webhooks(customer=customer)
        if existing.filter(url=url).exists():
            errors["url"] = [_("该地址已登记")]
        elif existing.count() >= MAX_WEBHOOKS_PER_CUSTOMER:
            errors["url"] = [_("每个客户最多登记%(n)d个接收地址") % {"n": MAX_WEBHOOKS_PER_CUSTOMER}]
        if errors:
            raise ValidationFailed(details=errors)
        return webhook_endpoint_create(actor=actor, data={"owner": customer, "name": (name or "").strip(),
                                                          "url": url, "events": list(events)})


def customer_webhook_remove(*, actor, customer: Customer, pk) -> None:
    """Switch the endpoint off: nothing more is sent to it; its delivery history is kept."""
    from depot.notifications.services import webhook_endpoint_update

    endpoint = customer_webhook_get(customer=customer, pk=pk)
    webhook_endpoint_update(actor=actor, endpoint=endpoint, data={"active": False})


def customer_webhook_rotate(*, actor, customer: Customer, pk):
    from depot.notifications.services import webhook_endpoint_rotate_secret

    endpoint = customer_webhook_get(customer=customer, pk=pk)
    return webhook_endpoint_rotate_secret(actor=actor, endpoint=endpoint)
