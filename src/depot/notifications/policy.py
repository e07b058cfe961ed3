"""Pure rules of delivery: when to try again, how long a claim on a message lasts, how a webhook
is signed. No database here."""

import hashlib
import hmac
from datetime import timedelta

# After the n-th failed attempt wait RETRY_DELAYS[n-1]; beyond the list, LATER_DELAY.
RETRY_DELAYS = (
    timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6),
)
LATER_DELAY = timedelta(hours=12)
MAX_ATTEMPTS = 10

# A worker that took a message for sending and never reported back (it crashed, or the machine
# went down) loses its claim after this long; the message is then tried again. Far longer than
# any send may take (every network operation has a timeout of seconds).
SENDING_LEASE = timedelta(minutes=5)


def retry_delay(attempts_made: int, *, max_attempts: int = MAX_ATTEMPTS) -> timedelta | None:
    """How long to wait after `attempts_made` attempts that all failed; None when none is left."""
    if attempts_made >= max_attempts:
        return None
    if attempts_made <= len(RETRY_DELAYS):
        return RETRY_DELAYS[max(attempts_made, 1) - 1]
    return LATER_DELAY


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` under the endpoint's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(webhook_signature(secret, timestamp, body), signature)
