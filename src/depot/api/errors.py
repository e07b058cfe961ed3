"""Every error of the API as an RFC 9457 problem (`application/problem+json`), in one place.

Body: `type` (`urn:depot:problem:<code>`), `title`, `status`, `detail`, `code`, `errors` (a list of
`{field, message}`; `field` is a dotted path such as `lines[2].quantity`, lines counted from 1, or
null for the request as a whole). Texts follow the request's language (Chinese unless
`Accept-Language` asks for English).
"""

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import errors as ninja_errors

from depot.core.errors import DomainError, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.inventory.errors import InsufficientStock, LocationRejected
from depot.orders.errors import IdempotencyConflict

logger = logging.getLogger("depot.api")

PROBLEM_TYPE = "urn:depot:problem:"
REALM = 'Bearer realm="depot"'


class ApiProblem(Exception):
    """An error the API raises itself (authentication, scope, size, body, rate)."""

    status = 400
    code = "bad_request"
    title = gettext_lazy("请求无效")

    def __init__(self, detail=None, *, errors=None, headers=None):
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        super().__init__(str(detail or self.title))


class NotAuthenticated(ApiProblem):
    status = 401
    code = "not_authenticated"
    title = gettext_lazy("未通过身份认证")

    def __init__(self, detail=None, *, invalid: bool = True):
        header = f'{REALM}, error="invalid_token"' if invalid else REALM
        super().__init__(detail or _("缺少访问令牌：请在请求头 Authorization 中提供 Bearer 令牌"),
                         headers={"WWW-Authenticate": header})


class ScopeMissing(ApiProblem):
    status = 403
    code = "insufficient_scope"
    title = gettext_lazy("令牌权限范围不足")

    def __init__(self, scope: str):
        super().__init__(_("此操作需要权限范围 %(scope)s，当前令牌没有") % {"scope": scope},
                         headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'})


class PayloadTooLarge(ApiProblem):
    status = 413
    code = "payload_too_large"
    title = gettext_lazy("请求体过大")

    def __init__(self, limit: int):
        super().__init__(_("请求体不能超过%(kb)d KB") % {"kb": limit // 1024})


class MalformedBody(ApiProblem):
    status = 422
    code = "malformed_json"
    title = gettext_lazy("请求体不是有效的JSON")

    def __init__(self, reason: str = ""):
        message = _("请求体不是有效的JSON")
        if reason:
            message = f"{message}（{reason}）"
        super().__init__(message, errors=[{"field": None, "message": message}])


class BadCursor(ApiProblem):
    status = 422
    code = "validation_failed"
    title = gettext_lazy("输入有误")

    def __init__(self):
        message = _("游标无效或已过期，请从第一页重新开始")
        super().__init__(message, errors=[{"field": "cursor", "message": message}])


# ---- domain errors ------------------------------------------------------------------------

DOMAIN_STATUS = [
    (ValidationFailed, 422, gettext_lazy("输入有误")),
    (NotFound, 404, gettext_lazy("记录不存在")),
    (PermissionDenied, 403, gettext_lazy("没有执行此操作的权限")),
    (IdempotencyConflict, 409, gettext_lazy("幂等键冲突")),
    (IllegalTransition, 409, gettext_lazy("当前状态不允许此操作")),
    (InsufficientStock, 409, gettext_lazy("库存不足")),
    (LocationRejected, 409, gettext_lazy("库位不可用")),
]


def _domain_status(exc: DomainError):
    for cls, status, title in DOMAIN_STATUS:
        if isinstance(exc, cls):
            return status, title
    return 422, gettext_lazy("操作无法完成")


def domain_field_errors(details: dict) -> list[dict]:
    return [{"field": None if field == "__all__" else field, "message": str(m)}
            for field, msgs in details.items() for m in msgs]


# ---- request validation (pydantic) --------------------------------------------------------

PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("必填"),
    "extra_forbidden": gettext_lazy("不允许的字段"),
    "int_type": gettext_lazy("应为整数"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_from_float": gettext_lazy("应为整数"),
    "float_type": gettext_lazy("应为数字"),
    "float_parsing": gettext_lazy("应为数字"),
    "string_type": gettext_lazy("应为字符串"),
    "bool_type": gettext_lazy("应为 true 或 false"),
    "bool_parsing": gettext_lazy("应为 true 或 false"),
    "date_type": gettext_lazy("日期格式应为YYYY-MM-DD"),
    "date_parsing": gettext_lazy("日期格式应为YYYY-MM-DD"),
    "date_from_datetime_parsing": gettext_lazy("日期格式应为YYYY-MM-DD"),
    "date_from_datetime_inexact": gettext_lazy("日期格式应为YYYY-MM-DD"),
    "datetime_type": gettext_lazy("时间格式应为ISO 8601，如2025-01-31T08:00:00+08:00"),
    "datetime_parsing": gettext_lazy("时间格式应为ISO 8601，如2025-01-31T08:00:00+08:00"),
    "datetime_from_date_parsing": gettext_lazy("时间格式应为ISO 8601，如2025-01-31T08:00:00+08:00"),
    "model_type": gettext_lazy("应为JSON对象"),
    "model_attributes_type": gettext_lazy("应为JSON对象"),
    "dict_type": gettext_lazy("应为JSON对象"),
    "list_type": gettext_lazy("应为数组"),
    "greater_than": gettext_lazy("必须大于%(gt)s"),
    "greater_than_equal": gettext_lazy("不能小于%(ge)s"),
    "less_than": gettext_lazy("必须小于%(lt)s"),
    "less_than_equal": gettext_lazy("不能大于%(le)s"),
    "string_too_long": gettext_lazy("不能超过%(max_length)s个字符"),
    "string_too_short": gettext_lazy("不能少于%(min_length)s个字符"),
    "too_long": gettext_lazy("最多%(max_length)s项"),
    "too_short": gettext_lazy("至少%(min_length)s项"),
    "literal_error": gettext_lazy("应为以下取值之一：%(expected)s"),
    "enum": gettext_lazy("应为以下取值之一：%(expected)s"),
    "string_pattern_mismatch": gettext_lazy("格式不正确"),
    "json_invalid": gettext_lazy("不是有效的JSON"),
    "finite_number": gettext_lazy("应为有限数值"),
}


def _field_path(loc) -> str | None:
    """("body", "payload", "lines", 0, "quantity") → "lines[1].quantity" (lines counted from 1,
    as the services count them); the parameter source and the body's parameter name dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == "payload":
            parts.pop(0)
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out or None


def pydantic_field_errors(errors: list[dict]) -> list[dict]:
    out = []
    for error in errors:
        field = _field_path(error.get("loc", ()))
        kind = error.get("type", "")
        if kind == "missing" and field is None:
            message = _("请求体不能为空")
        elif kind in PYDANTIC_MESSAGES:
            ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
            try:
                message = str(PYDANTIC_MESSAGES[kind]) % ctx
            except (KeyError, TypeError, ValueError):
                message = str(PYDANTIC_MESSAGES[kind]).split("%")[0].rstrip("：")
        else:
            message = _("取值无效")
        out.append({"field": field, "message": message})
    return out


# ---- the response -------------------------------------------------------------------------

def problem_response(*, status: int, code: str, title, detail=None, errors=None, headers=None,
                     extra: dict | None = None) -> HttpResponse:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": str(title),
        "status": status,
        "detail": str(detail if detail is not None else title),
        "code": code,
        "errors": errors or [],
        **(extra or {}),
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/problem+json; charset=utf-8")
    response["Content-Language"] = translation.get_language() or "zh-hans"
    response["Vary"] = "Accept-Language"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _from_api_problem(exc: ApiProblem) -> HttpResponse:
    return problem_response(status=exc.status, code=exc.code, title=exc.title, detail=exc.detail,
                            errors=exc.errors, headers=exc.headers)


def handle(request, exc) -> HttpResponse:
    """The one exception handler of the API."""
    if isinstance(exc, ApiProblem):
        return _from_api_problem(exc)
    if isinstance(exc, DomainError):
        status, title = _domain_status(exc)
        errors = domain_field_errors(exc.details)
        extra = {}
        if isinstance(exc, IdempotencyConflict) and getattr(exc, "order", None) is not None:
            extra["existing_number"] = exc.order.number
        return problem_response(status=status, code=exc.code, title=title, detail=exc.message, errors=errors,
                                extra=extra)
    if isinstance(exc, ninja_errors.ValidationError):
        return problem_response(status=422, code="validation_failed", title=_("输入有误"),
                                detail=_("输入有误，请检查后重试"), errors=pydantic_field_errors(exc.errors))
    if isinstance(exc, ninja_errors.Throttled):
        wait = int(exc.wait or 1)
        return problem_response(status=429, code="rate_limited", title=_("请求过于频繁"),
                                detail=_("已超过每分钟请求上限，请在%(n)d秒后重试") % {"n": wait})
    if isinstance(exc, ninja_errors.AuthenticationError):
        return _from_api_problem(NotAuthenticated(invalid=False))
    if isinstance(exc, ninja_errors.HttpError):
        if isinstance(exc.__cause__, ApiProblem):
            return _from_api_problem(exc.__cause__)
        return problem_response(status=exc.status_code, code="http_error", title=_("请求无效"), detail=str(exc))
    if isinstance(exc, RequestDataTooBig):
        from depot.api.limits import max_body_bytes

        return _from_api_problem(PayloadTooLarge(max_body_bytes()))
    if isinstance(exc, Http404):
        return problem_response(status=404, code="not_found", title=_("记录不存在"), detail=_("记录不存在或无权访问"))
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problem_response(status=500, code="server_error", title=_("服务器内部错误"),
                            detail=_("服务器处理请求时出错，请稍后重试；问题持续请联系仓库客服"))


def install(api) -> None:
    for exc_class in (Exception, ApiProblem, DomainError, Http404, ninja_errors.HttpError,
                      ninja_errors.ValidationError, ninja_errors.AuthenticationError, ninja_errors.Throttled):
        api.add_exception_handler(exc_class, handle)
