"""Real receivers for the outbox: an SMTP server (aiosmtpd) and an HTTP server on 127.0.0.1."""

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_settings(settings):
    """Django sends through SMTP to 127.0.0.1 on a port where nothing listens yet."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 2
    settings.DEFAULT_FROM_EMAIL = "kefu@cangku.example.cn"
    return settings


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "message": message})
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(smtp_settings):
    """Start with `smtp_server.start()`; stopped after the test."""
    from aiosmtpd.controller import Controller

    class Server:
        def __init__(self):
            self.inbox = _Inbox()
            self.controller = None

        @property
        def messages(self):
            return self.inbox.messages

        def start(self):
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    yield server
    server.stop()


class _Receiver:
    def __init__(self):
        self.requests = []
        self.status = 200
        self.delay = 0.0
        self.release = threading.Event()
        self.httpd = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hooks/depot"


@pytest.fixture
def webhook_receiver(settings):
    """An HTTP server that records each POST and answers `status` after `delay` seconds."""
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 0.5
    receiver = _Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if receiver.delay:
                receiver.release.wait(receiver.delay)
            try:
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"ok": receiver.status < 300}).encode())
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, *args):
            pass

    receiver.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=receiver.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield receiver
    receiver.release.set()
    receiver.httpd.shutdown()
    receiver.httpd.server_close()
    thread.join(5)


@pytest.fixture
def customer(make_customer, specialist):
    return make_customer(specialist, name="华盛达物流有限公司", short_name="华盛达", contacts=[
        {"name": "陈经理", "phone": "13900001111", "email": "chen@huashengda.cn", "is_primary": True},
    ])


@pytest.fixture
def make_endpoint(admin_user):
    from depot.notifications.services import webhook_endpoint_create

    def make(url, *, owner=None, events=("order.shipped",), active=True):
        endpoint, secret = webhook_endpoint_create(actor=admin_user, data={
            "name": "客户ERP", "url": url, "owner": owner, "events": list(events), "active": active,
        })
        return endpoint, secret

    return make
