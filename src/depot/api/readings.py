"""API of temperature and humidity readings: a sensor gateway (or a person) posts what a zone's
sensor measured; out-of-range values open an alert in the back office at once.

Readings come in with a staff token holding `readings:write` — the warehouse gives its sensor
gateway a staff account of its own (see docs/api.md); a customer token can never post them."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router
from ninja.responses import Status
from pydantic import StrictFloat

from depot.api.auth import token
from depot.api.schemas import WRITE_ERRORS, InputSchema, LocalDateTime, Out, aware
from depot.core.errors import PermissionDenied, ValidationFailed
from depot.inventory.choices import ReadingSource
from depot.inventory.models import Warehouse, Zone
from depot.inventory.services.custody import reading_record

router = Router(tags=[gettext_lazy("温湿度")])

Number = StrictFloat


class ReadingIn(InputSchema):
    warehouse: str | None = Field(None, max_length=20, description=gettext_lazy("仓库编码；只有一个仓库时可不填"))
    zone: str = Field(..., min_length=1, max_length=20, description=gettext_lazy("库区编码"))
    sensor_id: str = Field(..., min_length=1, max_length=64, description=gettext_lazy("传感器编号"))
    temperature: Number | None = Field(None, description=gettext_lazy("温度（℃），−60～80"))
    humidity: Number | None = Field(None, description=gettext_lazy("相对湿度（%RH），0～100"))
    measured_at: datetime.datetime | None = Field(
        None, description=gettext_lazy("测量时间，ISO 8601；不带时区按北京时间；不填为收到的时间"))


class AlertOut(Out):
    kind: str
    kind_label: str
    value: str
    limit: str


class ReadingOut(Out):
    id: int
    warehouse: str
    zone: str
    sensor_id: str
    temperature: str | None
    humidity: str | None
    measured_at: LocalDateTime
    alerts_opened: list[AlertOut]


def _zone(warehouse_code: str | None, zone_code: str) -> Zone:
    warehouses = Warehouse.objects.all()
    if warehouse_code:
        warehouse = warehouses.filter(code=warehouse_code).first()
        if warehouse is None:
            raise ValidationFailed(details={"warehouse": [_("仓库编码“%(code)s”不存在") % {"code": warehouse_code}]})
    else:
        found = list(warehouses[:2])
        if len(found) != 1:
            raise ValidationFailed(details={"warehouse": [_("有多个仓库，请填写仓库编码")]})
        warehouse = found[0]
    zone = Zone.objects.filter(warehouse=warehouse, code=zone_code).select_related("warehouse").first()
    if zone is None:
        raise ValidationFailed(details={"zone": [_("库区编码“%(code)s”不存在") % {"code": zone_code}]})
    return zone


def _decimal(value):
    return None if value is None else str(value)


@router.post(
    "/environment-readings", auth=token("readings:write"), response={200: ReadingOut, 201: ReadingOut, **WRITE_ERRORS},
    summary=gettext_lazy("上报温湿度读数"),
    description=gettext_lazy(
        "传感器网关上报某库区的温度和/或湿度。超出库区范围时立即生成告警（alerts_opened）。"
        "同一传感器、库区、测量时间的读数只记录一次：重复上报返回200和原记录。"
        "需要员工令牌（其账号有“登记温湿度”权限）和权限范围 readings:write；客户令牌不能上报。"),
)
def reading_post(request, payload: ReadingIn):
    principal = request.auth
    if principal.customer is not None:
        raise PermissionDenied(_("温湿度读数只能由仓库的员工或传感器令牌上报"))
    zone = _zone(payload.warehouse, payload.zone)
    started = timezone.now()
    reading = reading_record(
        actor=principal.actor, zone=zone, temperature=payload.temperature, humidity=payload.humidity,
        measured_at=aware(payload.measured_at), source=ReadingSource.SENSOR, sensor_id=payload.sensor_id)
    body = {
        "id": reading.pk, "warehouse": zone.warehouse.code, "zone": zone.code, "sensor_id": reading.sensor_id,
        "temperature": _decimal(reading.temperature), "humidity": _decimal(reading.humidity),
        "measured_at": reading.measured_at,
        "alerts_opened": [{"kind": a.kind, "kind_label": str(a.get_kind_display()), "value": str(a.value),
                           "limit": str(a.limit)} for a in reading.opened_alerts],
    }
    return Status(200 if reading.recorded_at < started else 201, body)
