"""API of webhook endpoints: a customer's integration registers the URLs that receive its events,
lists them, removes one, or replaces its signing secret. The secret is in the answer once."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router
from ninja.responses import Status

from depot.api import services
from depot.api.auth import token
from depot.api.schemas import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, InputSchema, LocalDateTime, Out
from depot.core.errors import PermissionDenied

router = Router(tags=[gettext_lazy("Webhook")])
SCOPE = "webhooks:manage"


class WebhookIn(InputSchema):
    url: str = Field(..., min_length=1, max_length=500, description=gettext_lazy("接收地址，http:// 或 https://"))
    events: list[str] = Field(..., min_length=1, max_length=len(services.WEBHOOK_EVENTS),
                              description=gettext_lazy("订阅的事件"))
    name: str | None = Field(None, max_length=100, description=gettext_lazy("名称，如“ERP订单状态”"))


class WebhookOut(Out):
    id: int
    name: str
    url: str
    events: list[str]
    created_at: LocalDateTime


class WebhookWithSecret(WebhookOut):
    secret: str


class WebhookList(Out):
    items: list[WebhookOut]


def _customer(principal):
    if principal.customer is None:
        raise PermissionDenied(_("Webhook 接收地址由客户令牌登记；员工请在后台“系统 › Webhook 接收地址”管理"))
    return principal.customer


def _out(endpoint, secret: str | None = None) -> dict:
    out = {"id": endpoint.pk, "name": endpoint.name, "url": endpoint.url, "events": list(endpoint.events),
           "created_at": endpoint.created_at}
    if secret is not None:
        out["secret"] = secret
    return out


EVENTS_HELP = "；".join(f"{code} {label}" for code, label in services.WEBHOOK_EVENTS.items())


@router.get("/webhooks", auth=token(SCOPE), response={200: WebhookList, **READ_ERRORS},
            summary=gettext_lazy("Webhook 接收地址列表"),
            description=gettext_lazy("本客户登记的接收地址（不含密钥）。需要权限范围 webhooks:manage，仅限客户令牌。"))
def webhook_list(request):
    customer = _customer(request.auth)
    return {"items": [_out(e) for e in services.customer_webhooks(customer=customer)]}


@router.post("/webhooks", auth=token(SCOPE), response={201: WebhookWithSecret, **WRITE_ERRORS},
             summary=gettext_lazy("登记 Webhook 接收地址"),
             description=gettext_lazy(
                 "登记一个接收本客户事件的地址。返回的 secret（签名密钥）只显示这一次：每次推送带 "
                 "X-Depot-Signature: sha256=HMAC-SHA256(secret, 时间戳 + \".\" + 请求体)。每个客户最多10个地址。"
                 "可订阅的事件：") + EVENTS_HELP)
def webhook_register(request, payload: WebhookIn):
    customer = _customer(request.auth)
    endpoint, secret = services.customer_webhook_register(
        actor=request.auth.actor, customer=customer, url=payload.url, events=payload.events, name=payload.name or "")
    return Status(201, _out(endpoint, secret))


@router.delete("/webhooks/{webhook_id}", auth=token(SCOPE), response={204: None, **ONE_ERRORS},
               summary=gettext_lazy("删除 Webhook 接收地址"),
               description=gettext_lazy("停止向该地址推送；已推送的记录保留。"))
def webhook_remove(request, webhook_id: int):
    customer = _customer(request.auth)
    services.customer_webhook_remove(actor=request.auth.actor, customer=customer, pk=webhook_id)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", auth=token(SCOPE),
             response={200: WebhookWithSecret, **ONE_ERRORS},
             summary=gettext_lazy("更换签名密钥"),
             description=gettext_lazy("生成新的签名密钥并只显示这一次；之后的推送用新密钥签名。"))
def webhook_rotate(request, webhook_id: int):
    customer = _customer(request.auth)
    endpoint, secret = services.customer_webhook_rotate(actor=request.auth.actor, customer=customer, pk=webhook_id)
    return _out(endpoint, secret)


