"""The REST API under /api/v1/: routers of each app, token authentication, the rate limit, the
size limit on request bodies, problem+json errors and the OpenAPI document with local docs."""

import functools

from django.urls import URLPattern
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger
from ninja.renderers import JSONRenderer

from depot.api import errors
from depot.api.limits import JsonParser, limit_body_size
from depot.api.ratelimit import TokenRateThrottle
from depot.core.errors import NotFound

DESCRIPTION = gettext_lazy(
    "Depot 仓储系统的开放接口，供货主的 WMS、ERP、电商系统对接：货品、库存、出库单与入库单、投诉、"
    "Webhook 接收地址；以及仓库传感器上报温湿度。\n\n"
    "认证：请求头 `Authorization: Bearer dpt_…`，令牌由仓库客服在后台创建，只显示一次。"
    "客户令牌只能访问本客户的数据；员工令牌按员工本人的权限访问。\n\n"
    "错误一律以 `application/problem+json` 返回（type、title、status、detail、errors），"
    "默认中文，请求头 `Accept-Language: en` 时为英文。列表接口使用游标分页（next_cursor），"
    "并支持 updated_since 轮询。每个令牌每分钟的请求数有上限，超出返回429并带 Retry-After。"
)


TOKEN_HELP = gettext_lazy("个人API令牌，由仓库客服在后台“系统 › API令牌”创建：Authorization: Bearer dpt_…")


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


def _problem_for_wrong_method(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/problem"):
            return errors.problem_response(
                status=405, code="method_not_allowed", title=_("不支持该请求方法"),
                detail=_("该接口不支持 %(method)s 请求") % {"method": request.method},
                headers={"Allow": response.get("Allow", "")})
        return response

    return wrapper


class DepotApi(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _problem_for_wrong_method(pattern.callback)
        return urls

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Error responses are documented as what they are: application/problem+json."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        response["content"] = {"application/problem+json": content["application/json"]}
        for scheme in schema.get("components", {}).get("securitySchemes", {}).values():
            scheme["bearerFormat"] = "dpt_…"
            scheme["description"] = str(TOKEN_HELP)
        return schema


def build_api() -> NinjaAPI:
    api = DepotApi(
        title="Depot API", version="1", description=DESCRIPTION, urls_namespace="api-v1",
        docs=Swagger(settings={"persistAuthorization": True, "defaultModelsExpandDepth": 0}),
        parser=JsonParser(), renderer=Utf8JSONRenderer(), throttle=[TokenRateThrottle()],
    )
    errors.install(api)
    api.add_decorator(limit_body_size, mode="view")

    from depot.api.readings import router as readings_router
    from depot.api.webhooks import router as webhooks_router
    from depot.inventory.api import router as inventory_router
    from depot.orders.api import router as orders_router
    from depot.service.api import router as service_router

    api.add_router("", inventory_router)
    api.add_router("", orders_router)
    api.add_router("", service_router)
    api.add_router("", webhooks_router)
    api.add_router("", readings_router)

    fallback = Router()

    @fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False,
                            auth=None, throttle=[])
    def not_found(request, path: str):
        raise NotFound(_("没有这个接口：%(path)s") % {"path": request.path})

    api.add_router("", fallback)
    return api


api = build_api()
