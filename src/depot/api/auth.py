"""Bearer-token authentication and the principal an endpoint acts as.

A customer token's principal is pinned to its customer: every endpoint reads and writes through
`Principal.customer`, and the services get the customer's technical user as actor (see
docs/decisions/api-tokens.md). A staff token's principal is the staff user, with that user's
permissions and customer scoping.
"""

import threading
import time
from dataclasses import dataclass

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from depot.api.errors import NotAuthenticated, ScopeMissing
from depot.api.models import ApiToken
from depot.api.selectors import token_by_raw
from depot.api.services import token_touch


@dataclass
class Principal:
    token: ApiToken
    actor: object
    customer: object | None


PERMISSIONS_TTL = 30.0


class _PermissionCache:
    """A user's permissions kept per process for `PERMISSIONS_TTL` seconds, so a request does not
    read them from the database again: a role change reaches API tokens within that time (the
    token itself — revoked, expired, account deactivated — is checked on every request)."""

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


def authenticate(raw: str) -> Principal:
    token = token_by_raw(raw.strip())
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
    token_touch(token, now=now)
    permissions.apply(actor)
    return Principal(token=token, actor=actor, customer=customer)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dpt_…`, holding `scope`."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def authenticate(self, request, token):
        principal = authenticate(token)
        if self.scope not in principal.token.scopes:
            raise ScopeMissing(self.scope)
        return principal


def token(scope: str) -> TokenAuth:
    return TokenAuth(scope)
