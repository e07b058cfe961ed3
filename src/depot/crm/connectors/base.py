"""The small contract a CRM connector fulfils, the registry, and the HTTP helper they share.

A connector turns Depot's neutral records (see depot.crm.mapping) into the CRM's fields
(`payload`) and sends a batch of them (`push`), answering per record with the CRM's id or an
error. Authentication, token refresh and back-off on HTTP 429 are the connector's business; a
failure that stops everything (credentials refused, CRM unreachable) raises ConnectorError.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.utils.translation import gettext as _

from depot.core.errors import ValidationFailed

TIMEOUT = 30
MAX_RETRIES = 5
MAX_WAIT = 120.0


class ConnectorError(Exception):
    """The CRM cannot be used now (authentication refused, unreachable, rate limit not lifting)."""


@dataclass
class Outcome:
    ok: bool
    external_id: str = ""
    error: str = ""


@dataclass
class Response:
    status: int
    headers: dict
    body: object


class Connector:
    name = ""
    label = ""
    # Names a consent record's recipient may use for this CRM (compared case-insensitively).
    recipient_names: tuple[str, ...] = ()
    # The objects it syncs, in order: accounts first, so the others can point to them.
    objects: tuple[str, ...] = ()
    batch_size = 100
    # Environment variables: (setting, variable, default or None when required).
    settings: tuple[tuple[str, str, str | None], ...] = ()

    def __init__(self, *, config: dict, sleep=time.sleep):
        self.config = config
        self.sleep = sleep

    @classmethod
    def from_env(cls, env, *, sleep=time.sleep, credentials: bool = True) -> "Connector":
        """The connector configured from `env` (os.environ). Raises ValidationFailed naming every
        missing variable; with credentials=False (a dry run) only the mapping settings are read."""
        config, missing = {}, []
        for key, variable, default in cls.settings:
            value = (env.get(variable) or "").strip()
            if not value and default is None and credentials:
                missing.append(variable)
            config[key] = value or default or ""
        if missing:
            raise ValidationFailed(details={"__all__": [
                _("缺少环境变量：%(names)s") % {"names": "、".join(missing)}]})
        return cls(config=config, sleep=sleep)

    def payload(self, kind: str, record: dict, parent_id: str) -> dict:
        """The CRM's fields for one neutral record; `parent_id` is the CRM id of its account."""
        raise NotImplementedError

    def push(self, kind: str, items: list[tuple[dict, str]]) -> list[Outcome]:
        """Send at most `batch_size` (payload, known external id or "") of `kind`; one Outcome per
        item, in order."""
        raise NotImplementedError

    # ---- HTTP -------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, json_body=None, form: dict | None = None,
                headers: dict | None = None) -> Response:
        """One HTTP exchange, waiting and trying again on 429 (Retry-After, else 1, 2, 4 … s)."""
        data, all_headers = None, {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode()
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(MAX_RETRIES + 1):
            response = self._exchange(method, url, data, all_headers)
            if response.status != 429:
                return response
            if attempt == MAX_RETRIES:
                break
            self.sleep(_wait(response.headers.get("retry-after"), attempt))
        raise ConnectorError(_("%(crm)s 持续限流（HTTP 429），请稍后再同步") % {"crm": self.label})

    def _exchange(self, method, url, data, headers) -> Response:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:  # noqa: S310 (configured URL)
                return Response(reply.status, _lower(reply.headers), _json(reply.read()))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, _lower(exc.headers), _json(exc.read()))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ConnectorError(_("无法连接 %(crm)s：%(error)s") % {"crm": self.label, "error": exc}) from None


def _lower(headers) -> dict:
    return {k.lower(): v for k, v in (headers or {}).items()}


def _json(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return {"raw": raw[:500].decode("utf-8", "replace")}


def _wait(retry_after, attempt: int) -> float:
    try:
        seconds = float(retry_after)
    except (TypeError, ValueError):
        seconds = float(2 ** attempt)
    return min(max(seconds, 0.0), MAX_WAIT)


_registry: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    _registry[cls.name] = cls
    return cls


def get(name: str) -> type[Connector]:
    try:
        return _registry[name]
    except KeyError:
        raise ValidationFailed(details={"connector": [_("未知的CRM连接器：%(name)s（可选 %(names)s）") % {
            "name": name, "names": "、".join(sorted(_registry))}]}) from None


def available() -> list[str]:
    return sorted(_registry)
