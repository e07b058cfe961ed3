"""纷享销客 (FxiaoKe) open API: corpAccessToken from appId/appSecret/permanentCode, then one
create or update per record of AccountObj, ContactObj and SalesOrderObj. FxiaoKe has no upsert
on a custom field, so the first sync creates the record and keeps its id; later syncs update it.
It has no change webhooks either: `depot crm-sync` is run periodically and sends what changed."""

import datetime
import time

from django.utils.translation import gettext as _

from depot.crm.connectors.base import Connector, ConnectorError, Outcome

OBJECTS = {"account": "AccountObj", "contact": "ContactObj", "sales_order": "SalesOrderObj"}
# corpAccessToken unknown or expired: fetch a new one and send again.
TOKEN_ERRORS = {20016, 20017}
EXPIRY_MARGIN = 120


class FxiaokeConnector(Connector):
    name = "fxiaoke"
    label = "纷享销客"
    recipient_names = ("纷享销客", "fxiaoke", "纷享")
    objects = ("account", "contact", "sales_order")
    batch_size = 100
    settings = (
        ("app_id", "DEPOT_CRM_FXIAOKE_APP_ID", None),
        ("app_secret", "DEPOT_CRM_FXIAOKE_APP_SECRET", None),
        ("permanent_code", "DEPOT_CRM_FXIAOKE_PERMANENT_CODE", None),
        ("open_user_id", "DEPOT_CRM_FXIAOKE_OPEN_USER_ID", None),
        ("api_url", "DEPOT_CRM_FXIAOKE_API_URL", "https://open.fxiaoke.com"),
        ("external_field", "DEPOT_CRM_FXIAOKE_EXTERNAL_FIELD", "depot_code__c"),
    )

    def __init__(self, *, config: dict, sleep=time.sleep, clock=time.monotonic):
        super().__init__(config=config, sleep=sleep)
        self.api_url = (config.get("api_url") or "https://open.fxiaoke.com").rstrip("/")
        self.external_field = config.get("external_field") or "depot_code__c"
        self.clock = clock
        self._token, self._corp_id, self._expires = "", "", 0.0

    def payload(self, kind: str, record: dict, parent_id: str) -> dict:
        fields = {"dataObjectApiName": OBJECTS[kind], self.external_field: record["code"]}
        if kind == "account":
            address = "".join(record[k] for k in ("province", "city", "district", "address"))
            return {**fields, "name": record["name"], "account_no": record["code"], "address": address,
                    "remark": _("客户等级：%(grade)s；状态：%(status)s") % {
                        "grade": record["grade"], "status": record["status_label"]}}
        if kind == "contact":
            return {**fields, "name": record["name"], "account_id": parent_id, "job_title": record["title"],
                    "mobile1": record["phone"], "email": record["email"]}
        if kind == "sales_order":
            lines = "；".join(f"{line['item_code']} {line['item_name']} × {line['quantity']}"
                             for line in record["lines"])
            return {**fields, "account_id": parent_id, "order_time": _epoch_ms(record["created_at"]),
                    "remark": f"{record['code']} {record['state_label']} {lines}".strip()}
        raise ValueError(kind)

    def _access_token(self, *, renew: bool = False) -> tuple[str, str]:
        if self._token and not renew and self.clock() < self._expires:
            return self._token, self._corp_id
        response = self.request("POST", f"{self.api_url}/cgi/corpAccessToken/get/V2", json_body={
            "appId": self.config["app_id"], "appSecret": self.config["app_secret"],
            "permanentCode": self.config["permanent_code"]})
        body = response.body if isinstance(response.body, dict) else {}
        if body.get("errorCode") != 0 or not body.get("corpAccessToken"):
            raise ConnectorError(_("纷享销客拒绝了授权（%(code)s %(message)s），请检查 DEPOT_CRM_FXIAOKE_* 设置") % {
                "code": body.get("errorCode", response.status), "message": body.get("errorMessage", "")})
        self._token, self._corp_id = body["corpAccessToken"], body.get("corpId", "")
        self._expires = self.clock() + max(int(body.get("expiresIn") or 7200) - EXPIRY_MARGIN, 1)
        return self._token, self._corp_id

    def _call(self, path: str, object_data: dict) -> dict:
        for renew in (False, True):
            token, corp_id = self._access_token(renew=renew)
            response = self.request("POST", f"{self.api_url}{path}", json_body={
                "corpAccessToken": token, "corpId": corp_id,
                "currentOpenUserId": self.config["open_user_id"], "data": {"object_data": object_data}})
            body = response.body if isinstance(response.body, dict) else {}
            if response.status == 401 or body.get("errorCode") in TOKEN_ERRORS:
                continue
            if response.status >= 400 and "errorCode" not in body:
                body = {"errorCode": response.status, "errorMessage": f"HTTP {response.status}"}
            return body
        raise ConnectorError(_("纷享销客拒绝了新的访问令牌"))

    def push(self, kind: str, items: list[tuple[dict, str]]) -> list[Outcome]:
        outcomes = []
        for payload, external_id in items:
            if external_id:
                body = self._call("/cgi/crm/v2/data/update", {**payload, "_id": external_id})
            else:
                body = self._call("/cgi/crm/v2/data/create", payload)
            new_id = str(body.get("dataId") or external_id)
            if body.get("errorCode") == 0 and new_id:
                outcomes.append(Outcome(ok=True, external_id=new_id))
            else:
                outcomes.append(Outcome(ok=False, error=f"{body.get('errorCode')}: {body.get('errorMessage', '')}"))
        return outcomes


def _epoch_ms(value: str) -> int | None:
    if not value:
        return None
    return int(datetime.datetime.fromisoformat(value).timestamp() * 1000)
