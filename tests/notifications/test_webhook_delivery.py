"""Webhooks to a real HTTP server on 127.0.0.1: signed POSTs, retries on errors and timeouts."""

import hashlib
import hmac
import json
import time

import pytest

from depot.notifications.choices import Channel, Outcome, Status
from depot.notifications.services import notification_enqueue
from tests.notifications.helpers import queued_jobs, run_jobs, time_passes

pytestmark = pytest.mark.django_db

PAYLOAD = {"order_no": "SO-20260315-001", "status": "shipped", "carrier": "顺丰速运", "tracking_no": "SF1234567890"}


@pytest.fixture
def endpoint_and_secret(customer, make_endpoint, webhook_receiver):
    return make_endpoint(webhook_receiver.url, owner=customer)


def shipped_webhook(customer, endpoint):
    return notification_enqueue(event="order.shipped", customer=customer, channel=Channel.WEBHOOK,
                                recipient=endpoint, payload=PAYLOAD)


def test_the_receiver_gets_a_json_post_whose_signature_verifies_with_the_secret(
        customer, endpoint_and_secret, webhook_receiver):
    endpoint, secret = endpoint_and_secret
    notification = shipped_webhook(customer, endpoint)

    run_jobs()

    [request] = webhook_receiver.requests
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/depot"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Depot-Event"] == "order.shipped"
    assert headers["X-Depot-Delivery"] == str(notification.pk)
    assert abs(int(headers["X-Depot-Timestamp"]) - time.time()) < 60
    # what a receiver does, with nothing but the standard library and its secret
    expected = hmac.new(secret.encode(), headers["X-Depot-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(headers["X-Depot-Signature"], "sha256=" + expected.hexdigest())
    envelope = json.loads(body)
    assert envelope["id"] == notification.pk
    assert envelope["event"] == "order.shipped"
    assert envelope["customer"] == customer.code
    assert envelope["data"] == PAYLOAD
    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    [attempt] = notification.delivery_attempts.all()
    assert (attempt.outcome, attempt.status_code) == (Outcome.DELIVERED, 200)


def test_a_receiver_answering_500_gets_the_message_again_later(customer, endpoint_and_secret, webhook_receiver):
    endpoint, _secret = endpoint_and_secret
    webhook_receiver.status = 500
    notification = shipped_webhook(customer, endpoint)

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.last_error == "HTTP 500 Internal Server Error"
    [attempt] = notification.delivery_attempts.all()
    assert (attempt.outcome, attempt.status_code) == (Outcome.FAILED, 500)
    assert queued_jobs(notification).exists()

    webhook_receiver.status = 204
    time_passes(notification)
    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.DELIVERED
    assert len(webhook_receiver.requests) == 2
    # the same message both times: the receiver deduplicates by X-Depot-Delivery
    assert {r["headers"]["X-Depot-Delivery"] for r in webhook_receiver.requests} == {str(notification.pk)}


def test_a_receiver_that_hangs_is_given_up_on_after_the_timeout_and_retried(
        customer, endpoint_and_secret, webhook_receiver):
    endpoint, _secret = endpoint_and_secret
    webhook_receiver.delay = 5  # the test settings time out after 0.5 s
    notification = shipped_webhook(customer, endpoint)

    started = time.monotonic()
    run_jobs()

    assert time.monotonic() - started < 3
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == Outcome.FAILED
    assert "timed out" in attempt.error
    assert attempt.status_code is None
    assert queued_jobs(notification).exists()


def test_a_redirect_is_not_a_delivery(customer, endpoint_and_secret, webhook_receiver):
    endpoint, _secret = endpoint_and_secret
    webhook_receiver.status = 302
    notification = shipped_webhook(customer, endpoint)

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.delivery_attempts.get().status_code == 302


def test_a_message_for_an_endpoint_switched_off_meanwhile_is_withheld(
        customer, endpoint_and_secret, webhook_receiver, admin_user):
    from depot.notifications.services import webhook_endpoint_update

    endpoint, _secret = endpoint_and_secret
    notification = shipped_webhook(customer, endpoint)
    webhook_endpoint_update(actor=admin_user, endpoint=endpoint, data={"active": False})

    run_jobs()

    notification.refresh_from_db()
    assert notification.status == Status.WITHHELD
    assert notification.delivery_attempts.get().outcome == Outcome.WITHHELD
    assert webhook_receiver.requests == []
