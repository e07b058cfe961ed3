"""The pure rules: retry schedule, webhook signature, DEPOT_EMAIL_URL."""

from datetime import timedelta

import pytest

from depot.notifications.email_url import parse_email_url
from depot.notifications.policy import (
    MAX_ATTEMPTS,
    retry_delay,
    webhook_signature,
    webhook_signature_valid,
)


def test_retries_back_off_from_one_minute_to_six_hours_then_every_twelve_hours():
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]

    assert delays[:6] == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                          timedelta(hours=6), timedelta(hours=12)]
    assert set(delays[5:]) == {timedelta(hours=12)}


def test_there_is_no_retry_after_the_last_attempt():
    assert retry_delay(MAX_ATTEMPTS) is None
    assert retry_delay(MAX_ATTEMPTS + 1) is None


def test_the_signature_is_the_hmac_of_timestamp_dot_body():
    # Known answer computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    signature = webhook_signature("s3cret", "1700000000", b'{"a":1}')

    assert signature == "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
    assert webhook_signature_valid("s3cret", "1700000000", b'{"a":1}', signature)
    assert not webhook_signature_valid("other", "1700000000", b'{"a":1}', signature)
    assert not webhook_signature_valid("s3cret", "1700000001", b'{"a":1}', signature)
    assert not webhook_signature_valid("s3cret", "1700000000", b'{"a":2}', signature)


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://relay.intra:25", {"EMAIL_HOST": "relay.intra", "EMAIL_PORT": 25, "EMAIL_USE_TLS": False,
                               "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""}),
    ("smtp+tls://kefu%40cangku.cn:p%40ss@smtp.exmail.qq.com",
     {"EMAIL_HOST": "smtp.exmail.qq.com", "EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False,
      "EMAIL_HOST_USER": "kefu@cangku.cn", "EMAIL_HOST_PASSWORD": "p@ss"}),
    ("smtps://user:pw@smtp.163.com:994", {"EMAIL_HOST": "smtp.163.com", "EMAIL_PORT": 994, "EMAIL_USE_TLS": False,
                                          "EMAIL_USE_SSL": True, "EMAIL_HOST_USER": "user",
                                          "EMAIL_HOST_PASSWORD": "pw"}),
])
def test_the_email_url_gives_djangos_smtp_settings(url, expected):
    parsed = parse_email_url(url)

    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert {k: parsed[k] for k in expected} == expected


@pytest.mark.parametrize("url", ["http://smtp.example.cn", "smtp://", "relay.intra:25"])
def test_an_email_url_that_is_not_smtp_is_refused(url):
    with pytest.raises(ValueError, match="DEPOT_EMAIL_URL"):
        parse_email_url(url)
