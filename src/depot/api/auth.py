"""Bearer-token authentication and the principal an endpoint acts as.

A customer token's principal is pinned to its customer: every endpoint reads and writes through
`Principal.customer`, and the services get the customer's technical user as actor (see
docs/decisions/api-tokens.md). A staff token's principal is the staff user, with that user's
permissions and customer scoping.
"""

import threading
import time
from dataclasses import dataclass, field

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from depot.api.errors import NotAuthenticated, ScopeMissing
from depot.api.models import ApiToken
from depot.api.selectors import token_by_raw
from depot.api.services import hash_token, token_touch
from depot.customers.selectors import customer_list


@dataclass
class Principal:
    token: ApiToken
    actor: object
    customer: object | None
    _sees_customer: bool | None = field(default=None, repr=False)

    def sees_own_customer(self) -> bool:
        """Whether the actor (a customer token's technical user) sees `customer` in the customer
        scoping; asked once per principal, so at most every `PRINCIPAL_TTL` for a cached one."""
        if self._sees_customer is None:
            self._sees_customer = (self.customer is not None and customer_list(user=self.actor)
                                   .filter(pk=self.customer.pk).exists())
        return self._sees_customer


PERMISSIONS_TTL = 30.0
SAFE_METHODS = {"GET", "HEAD"}


class _PermissionCache:
    """A user's permissions kept per process for `PERMISSIONS_TTL` seconds, so a request does not
    read them from the database again: a role change reaches API tokens within that time (the
    token itself — revoked, expired, account deactivated — within `PRINCIPAL_TTL`)."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, frozenset]] = {}

    def apply(self, user) -> None:
        now = self.clock()
        with self._lock:
            entry = self._entries.get(user.pk)
        if entry is None or entry[0] <= now:
            perms = frozenset(ModelBackend().get_all_permissions(user))
            entry = (now + PERMISSIONS_TTL, perms)
            with self._lock:
                self._entries[user.pk] = entry
        user._perm_cache = set(entry[1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


permissions = _PermissionCache()

PRINCIPAL_TTL = 5.0
PRINCIPAL_CACHE_SIZE = 1000


class _PrincipalCache:
    """The principal of a token kept per process for `PRINCIPAL_TTL` seconds, for reading requests
    (GET, HEAD) only: a busy integration does not look its token up on every request. Revocation,
    a deactivated account or a changed token reach other processes within that time; this process
    forgets the token at once (see `forget_principals`). Expiry is checked on every request.
    A write always looks the token up. See docs/decisions/api-request-cost.md."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] <= self.clock():
            return None
        return entry[1]

    def put(self, key: str, principal: Principal) -> None:
        now = self.clock()
        with self._lock:
            if len(self._entries) >= PRINCIPAL_CACHE_SIZE:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= PRINCIPAL_CACHE_SIZE:
                    self._entries.clear()
            self._entries[key] = (now + PRINCIPAL_TTL, principal)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


principals = _PrincipalCache()


def forget_principals(**kwargs) -> None:
    """Signal receiver: a token, a technical account or a user changed in this process."""
    principals.clear()


def _checked(principal: Principal, now) -> Principal:
    token = principal.token
    if token.expires_at is not None and token.expires_at <= now:
        raise NotAuthenticated(_("访问令牌已过期"))
    token_touch(token, now=now)
    permissions.apply(principal.actor)
    return principal


def authenticate(raw: str, *, cached: bool = False) -> Principal:
    """The principal of a raw token; 401 when the token is unknown, revoked, expired or its
    account is deactivated. `cached`: a reading request may use the process's recent lookup."""
    raw = raw.strip()
    key = hash_token(raw) if cached else None
    if key is not None:
        principal = principals.get(key)
        if principal is not None:
            return _checked(principal, timezone.now())
    token = token_by_raw(raw)
    if token is None:
        raise NotAuthenticated(_("访问令牌无效"))
    now = timezone.now()
    if token.revoked_at is not None:
        raise NotAuthenticated(_("访问令牌已吊销"))
    if token.expires_at is not None and token.expires_at <= now:
        raise NotAuthenticated(_("访问令牌已过期"))
    if token.customer_id is not None:
        account = getattr(token.customer, "api_account", None)
        actor = account.user if account is not None else None
        customer = token.customer
    else:
        actor, customer = token.user, None
    if actor is None or not actor.is_active:
        raise NotAuthenticated(_("访问令牌所属账号已停用"))
    principal = _checked(Principal(token=token, actor=actor, customer=customer), now)
    if key is not None:
        principals.put(key, principal)
    return principal


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dpt_…`, holding `scope`."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token):
        principal = authenticate(token, cached=request.method in SAFE_METHODS)
        if self.scope not in principal.token.scopes:
            raise ScopeMissing(self.scope)
        return principal


def token(scope: str) -> TokenAuth:
    return TokenAuth(scope)
