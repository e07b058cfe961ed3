"""Request bodies: at most `DEPOT_API_MAX_BODY_BYTES` (1 MB by default), JSON only."""

import functools
import json

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.parser import Parser

from depot.api.errors import MalformedBody, PayloadTooLarge, handle

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def max_body_bytes() -> int:
    return getattr(settings, "DEPOT_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


def _reject_constant(name):
    raise ValueError(name)


class JsonParser(Parser):
    """Refuses a body over the limit (413) and anything that is not strict UTF-8 JSON (422): no
    NaN or Infinity, no nesting deep enough to exhaust the stack."""

    def parse_body(self, request):
        body = request.body
        if len(body) > max_body_bytes():
            raise PayloadTooLarge(max_body_bytes())
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedBody("UTF-8") from None
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            reason = ""
            if isinstance(exc, json.JSONDecodeError):
                reason = _("第%(line)d行第%(column)d列") % {"line": exc.lineno, "column": exc.colno}
            raise MalformedBody(reason) from None


def limit_body_size(run):
    """Around an operation: a declared Content-Length over the limit is refused before the body is
    read, before authentication and before anything touches the database."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_body_bytes():
            return handle(request, PayloadTooLarge(max_body_bytes()))
        return run(request, *args, **kwargs)

    return wrapper
