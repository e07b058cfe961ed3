"""Reads of API tokens: the back office's scoped list, and the lookup of a raw token."""

from django.db.models import Q, QuerySet

from depot.api.models import ApiToken
from depot.api.services import TOKEN_PREFIX, hash_token, token_customers
from depot.core.errors import NotFound


def token_list(*, user) -> QuerySet[ApiToken]:
    """Every token for holders of `api.manage_all_apitokens`; otherwise the user's own staff
    tokens and the tokens of the customers they are responsible for."""
    if not (user and user.is_active and user.has_perm("api.view_apitoken")):
        return ApiToken.objects.none()
    qs = ApiToken.objects.select_related("customer", "user", "created_by", "revoked_by")
    if user.has_perm("api.manage_all_apitokens"):
        return qs
    return qs.filter(Q(user=user) | Q(customer__in=token_customers(user=user)))


def token_get(*, user, pk) -> ApiToken:
    try:
        return token_list(user=user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def token_by_raw(raw: str) -> ApiToken | None:
    """The token whose hash matches `raw` (one indexed lookup), with what authentication needs:
    its customer and that customer's technical user, or its staff user. None when unknown."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    return (ApiToken.objects.select_related("customer", "customer__api_account__user", "user")
            .filter(key_hash=hash_token(raw)).first())
