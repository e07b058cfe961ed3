"""Local stand-ins for Zoho CRM and 纷享销客 (http.server in a thread) that answer with the shapes
the vendors document, record every request, and can be told to throttle, expire a token or reject
a record."""

import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from depot.customers.choices import ConsentPurpose
from depot.customers.services import consent_record


class FakeServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.throttle = 0  # answer this many next requests with 429
        self.retry_after = "3"
        self.reject: set[str] = set()  # Depot codes refused with an error
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw.decode())
                else:
                    body = dict(urllib.parse.parse_qsl(raw.decode()))
                with fake.lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    if fake.throttle:
                        fake.throttle -= 1
                        return self._reply(429, {"code": "TOO_MANY_REQUESTS"}, {"Retry-After": fake.retry_after})
                    status, reply = fake.answer(self.path, dict(self.headers), body)
                self._reply(status, reply)

            def _reply(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def calls(self, fragment: str) -> list[dict]:
        return [r for r in self.requests if fragment in r["path"]]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeZoho(FakeServer):
    """POST /oauth/v2/token (refresh-token grant) and POST /crm/v2/{module}/upsert."""

    def __init__(self):
        super().__init__()
        self.tokens = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self.records: dict[str, dict[str, dict]] = {}  # module -> Depot code -> record
        self.ids = itertools.count(4_000_000_000_001)
        self.expire_once = False  # the next upsert finds its token expired

    def answer(self, path, headers, body):
        if path.startswith("/oauth/v2/token"):
            if body.get("grant_type") != "refresh_token" or body.get("refresh_token") != "1000.refresh":
                return 400, {"error": "invalid_code"}
            token = f"1000.access{next(self.tokens)}"
            self.valid_tokens.add(token)
            return 200, {"access_token": token, "api_domain": self.url, "token_type": "Bearer", "expires_in": 3600}
        module = path.split("/")[3]
        token = headers.get("Authorization", "").removeprefix("Zoho-oauthtoken ")
        if self.expire_once:
            self.expire_once = False
            self.valid_tokens.discard(token)
        if token not in self.valid_tokens:
            return 401, {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}
        assert len(body["data"]) <= 100
        field = body["duplicate_check_fields"][0]
        stored = self.records.setdefault(module, {})
        out = []
        for record in body["data"]:
            code = record[field]
            if code in self.reject:
                out.append({"code": "INVALID_DATA", "details": {"api_name": "Account_Name"},
                            "message": "invalid data", "status": "error"})
                continue
            action = "update" if code in stored else "insert"
            existing = stored.get(code, {"id": str(next(self.ids))})
            stored[code] = {**existing, **record}
            out.append({"code": "SUCCESS", "duplicate_field": field if action == "update" else None,
                        "action": action, "details": {"id": existing["id"]}, "message": "record upserted",
                        "status": "success"})
        return 200, {"data": out}


class FakeFxiaoke(FakeServer):
    """POST /cgi/corpAccessToken/get/V2, /cgi/crm/v2/data/create and /cgi/crm/v2/data/update."""

    def __init__(self):
        super().__init__()
        self.tokens = itertools.count(1)
        self.valid_tokens: set[str] = set()
        self.records: dict[str, dict] = {}  # dataId -> object_data
        self.ids = itertools.count(1)
        self.expire_once = False

    def answer(self, path, headers, body):
        if path == "/cgi/corpAccessToken/get/V2":
            if body != {"appId": "FSAID_1", "appSecret": "secret", "permanentCode": "PERM"}:
                return 200, {"errorCode": 20003, "errorMessage": "app secret error"}
            token = f"CAT{next(self.tokens)}"
            self.valid_tokens.add(token)
            return 200, {"errorCode": 0, "errorMessage": "success", "corpAccessToken": token, "corpId": "FSCID_9",
                         "expiresIn": 7200}
        if self.expire_once:
            self.expire_once = False
            self.valid_tokens.discard(body.get("corpAccessToken"))
        if body.get("corpAccessToken") not in self.valid_tokens:
            return 200, {"errorCode": 20016, "errorMessage": "corpAccessToken expired"}
        assert body["corpId"] == "FSCID_9" and body["currentOpenUserId"] == "FSUID_1"
        data = body["data"]["object_data"]
        if data["depot_code__c"] in self.reject:
            return 200, {"errorCode": 300001, "errorMessage": "必填字段未填写"}
        if path == "/cgi/crm/v2/data/create":
            data_id = f"5f{next(self.ids):022d}"
            self.records[data_id] = data
            return 200, {"errorCode": 0, "errorMessage": "success", "dataId": data_id}
        if path == "/cgi/crm/v2/data/update":
            if data["_id"] not in self.records:
                return 200, {"errorCode": 300002, "errorMessage": "数据不存在"}
            self.records[data["_id"]].update(data)
            return 200, {"errorCode": 0, "errorMessage": "success"}
        return 404, {"errorCode": 404, "errorMessage": "not found"}

    def by_object(self, name: str) -> list[dict]:
        return [r for r in self.records.values() if r["dataObjectApiName"] == name]


@pytest.fixture
def zoho():
    server = FakeZoho()
    yield server
    server.close()


@pytest.fixture
def fxiaoke():
    server = FakeFxiaoke()
    yield server
    server.close()


@pytest.fixture
def zoho_env(zoho):
    return {"DEPOT_CRM_ZOHO_CLIENT_ID": "1000.CLIENT", "DEPOT_CRM_ZOHO_CLIENT_SECRET": "s3cret",
            "DEPOT_CRM_ZOHO_REFRESH_TOKEN": "1000.refresh", "DEPOT_CRM_ZOHO_ACCOUNTS_URL": zoho.url,
            "DEPOT_CRM_ZOHO_API_URL": zoho.url}


@pytest.fixture
def fxiaoke_env(fxiaoke):
    return {"DEPOT_CRM_FXIAOKE_APP_ID": "FSAID_1", "DEPOT_CRM_FXIAOKE_APP_SECRET": "secret",
            "DEPOT_CRM_FXIAOKE_PERMANENT_CODE": "PERM", "DEPOT_CRM_FXIAOKE_OPEN_USER_ID": "FSUID_1",
            "DEPOT_CRM_FXIAOKE_API_URL": fxiaoke.url}


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def consent(supervisor):
    def give(customer, recipient=""):
        return consent_record(actor=supervisor, customer=customer, purpose=ConsentPurpose.THIRD_PARTY,
                              recipient=recipient, evidence="合同附件3")

    return give


_orders = itertools.count(1)


def make_order(customer, **fields):
    """An outbound order of the customer (arranged directly: the sync only reads it)."""
    from depot.orders.choices import Channel, OutboundState
    from depot.orders.models import OutboundOrder

    fields.setdefault("state", OutboundState.ALLOCATED)
    return OutboundOrder.objects.create(number=f"CKCRM{next(_orders):05d}", customer=customer, channel=Channel.PHONE,
                                        request_hash="crm", external_ref=f"PO-{customer.code}", **fields)
