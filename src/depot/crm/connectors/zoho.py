"""Zoho CRM (API v2): OAuth refresh-token flow, upsert of up to 100 records per call on the
external-ID field that holds the Depot code. China data centre by default (accounts.zoho.com.cn,
www.zohoapis.com.cn)."""

import time

from django.utils.translation import gettext as _

from depot.crm.connectors.base import Connector, ConnectorError, Outcome

DATA_CENTRES = {
    "cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "com": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
}

MODULES = {"account": "Accounts", "contact": "Contacts", "sales_order": "Sales_Orders", "case": "Cases"}

CASE_STATUS = {"open": "New", "investigating": "New", "answered": "On Hold", "reopened": "Escalated",
               "closed": "Closed"}
CASE_PRIORITY = {"low": "Low", "medium": "Medium", "high": "High", "critical": "High"}

# Refresh the access token this long before Zoho says it expires.
EXPIRY_MARGIN = 60


class ZohoConnector(Connector):
    name = "zoho"
    label = "Zoho CRM"
    recipient_names = ("zoho", "zoho crm")
    objects = ("account", "contact", "sales_order", "case")
    batch_size = 100
    settings = (
        ("client_id", "DEPOT_CRM_ZOHO_CLIENT_ID", None),
        ("client_secret", "DEPOT_CRM_ZOHO_CLIENT_SECRET", None),
        ("refresh_token", "DEPOT_CRM_ZOHO_REFRESH_TOKEN", None),
        ("data_centre", "DEPOT_CRM_ZOHO_DC", "cn"),
        ("accounts_url", "DEPOT_CRM_ZOHO_ACCOUNTS_URL", ""),
        ("api_url", "DEPOT_CRM_ZOHO_API_URL", ""),
        ("external_field", "DEPOT_CRM_ZOHO_EXTERNAL_FIELD", "Depot_Code"),
    )

    def __init__(self, *, config: dict, sleep=time.sleep, clock=time.monotonic):
        super().__init__(config=config, sleep=sleep)
        centre = DATA_CENTRES.get(config.get("data_centre") or "cn")
        if centre is None:
            raise ConnectorError(_("DEPOT_CRM_ZOHO_DC 应为以下之一：%(dcs)s") % {"dcs": "、".join(DATA_CENTRES)})
        self.accounts_url = (config.get("accounts_url") or centre[0]).rstrip("/")
        self.api_url = (config.get("api_url") or centre[1]).rstrip("/")
        self.external_field = config.get("external_field") or "Depot_Code"
        self.clock = clock
        self._token, self._expires = "", 0.0

    # ---- mapping ----------------------------------------------------------------------------

    def payload(self, kind: str, record: dict, parent_id: str) -> dict:
        key = {self.external_field: record["code"]}
        if kind == "account":
            street = " ".join(p for p in (record["district"], record["address"]) if p)
            return {**key, "Account_Name": record["name"], "Account_Number": record["code"],
                    "Industry": record["industry"], "Billing_Country": "中国", "Billing_State": record["province"],
                    "Billing_City": record["city"], "Billing_Street": street,
                    "Description": _("客户等级：%(grade)s；状态：%(status)s") % {
                        "grade": record["grade"], "status": record["status_label"]}}
        account = {"Account_Name": {"id": parent_id}}
        if kind == "contact":
            return {**key, **account, "Last_Name": record["name"], "Title": record["title"],
                    "Phone": record["phone"], "Email": record["email"]}
        if kind == "sales_order":
            lines = "\n".join(f"{line['item_code']} {line['item_name']} × {line['quantity']}"
                              for line in record["lines"])
            return {**key, **account, "Subject": record["code"], "Status": record["state_label"],
                    "Customer_No": record["external_ref"], "Due_Date": record["requested_ship_date"],
                    "Carrier": record["carrier"], "Shipping_State": record["province"],
                    "Shipping_City": record["city"], "Shipping_Country": "中国",
                    "Description": f"{lines}\n{_('运单号')}: {record['tracking_number']}".strip()}
        if kind == "case":
            return {**key, **account, "Subject": f"{record['code']} {record['category_label']}",
                    "Status": CASE_STATUS.get(record["state"], "New"),
                    "Priority": CASE_PRIORITY.get(record["severity"], "Medium"),
                    "Case_Origin": record["channel_label"], "Type": "Problem",
                    "Description": record["description"]}
        raise ValueError(kind)

    # ---- sending ----------------------------------------------------------------------------

    def _access_token(self, *, renew: bool = False) -> str:
        if self._token and not renew and self.clock() < self._expires:
            return self._token
        response = self.request("POST", f"{self.accounts_url}/oauth/v2/token", form={
            "grant_type": "refresh_token", "client_id": self.config["client_id"],
            "client_secret": self.config["client_secret"], "refresh_token": self.config["refresh_token"]})
        body = response.body if isinstance(response.body, dict) else {}
        if response.status != 200 or not body.get("access_token"):
            raise ConnectorError(_("Zoho 拒绝了刷新令牌（%(status)s %(error)s），请检查 DEPOT_CRM_ZOHO_* 设置") % {
                "status": response.status, "error": body.get("error", "")})
        self._token = body["access_token"]
        self._expires = self.clock() + max(int(body.get("expires_in") or 3600) - EXPIRY_MARGIN, 1)
        return self._token

    def push(self, kind: str, items: list[tuple[dict, str]]) -> list[Outcome]:
        url = f"{self.api_url}/crm/v2/{MODULES[kind]}/upsert"
        body = {"data": [payload for payload, _id in items], "duplicate_check_fields": [self.external_field],
                "trigger": []}
        response = self.request("POST", url, json_body=body,
                                headers={"Authorization": f"Zoho-oauthtoken {self._access_token()}"})
        if response.status == 401:
            response = self.request("POST", url, json_body=body, headers={
                "Authorization": f"Zoho-oauthtoken {self._access_token(renew=True)}"})
            if response.status == 401:
                raise ConnectorError(_("Zoho 拒绝了新的访问令牌（401）"))
        data = response.body.get("data") if isinstance(response.body, dict) else None
        if not isinstance(data, list) or len(data) != len(items):
            error = _describe(response)
            return [Outcome(ok=False, error=error) for _item in items]
        outcomes = []
        for row in data:
            row = row if isinstance(row, dict) else {}
            details = row.get("details") if isinstance(row.get("details"), dict) else {}
            if row.get("code") == "SUCCESS" and details.get("id"):
                outcomes.append(Outcome(ok=True, external_id=str(details["id"])))
            else:
                outcomes.append(Outcome(ok=False, error=f"{row.get('code', '')}: {row.get('message', '')} "
                                                        f"{details or ''}".strip()))
        return outcomes


def _describe(response) -> str:
    body = response.body if isinstance(response.body, dict) else {}
    return f"HTTP {response.status} {body.get('code', '')} {body.get('message', '')}".strip()
