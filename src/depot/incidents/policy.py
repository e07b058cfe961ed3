"""Pure rules of incidents and delays: the incident's transition table, the money rule for a
proposed compensation, what a photo upload may be, and which orders can still be delayed."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from depot.incidents.choices import IncidentState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REGISTERED: frozenset({S.ASSESSED, S.VOIDED}),
    S.ASSESSED: frozenset({S.ASSESSED, S.PENDING_APPROVAL, S.CLOSED, S.VOIDED}),
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.REJECTED}),
    S.REJECTED: frozenset({S.ASSESSED, S.PENDING_APPROVAL, S.CLOSED}),
    S.APPROVED: frozenset({S.PAID}),
    S.PAID: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.VOIDED: frozenset(),
}


def can_move(state: str, to: str) -> bool:
    return to in TRANSITIONS.get(state, frozenset())


CENT = Decimal("0.01")


def money(value) -> Decimal | None:
    """A CNY amount with two decimal places, or None when `value` is not a finite number."""
    if value is None or isinstance(value, bool | float):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("¥", ""))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def needs_override(*, compensation: Decimal, assessed: Decimal | None) -> bool:
    """A compensation above the assessed loss needs a supervisor's override with a reason."""
    return assessed is not None and compensation > assessed


# ---- photos -----------------------------------------------------------------------------------

MAX_PHOTO_BYTES = 10 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


@dataclass(frozen=True)
class PhotoType:
    content_type: str
    extension: str


def sniff_photo(head: bytes) -> PhotoType | None:
    """The image type of a file from its first bytes (the name and the browser's claim are not
    trusted): JPEG, PNG, WebP or HEIC; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return PhotoType("image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PhotoType("image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return PhotoType("image/webp", "webp")
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return PhotoType("image/heic", "heic")
    return None


PHOTO_TYPE_ERROR = _("仅支持 JPEG、PNG、WebP 或 HEIC 格式的照片")
PHOTO_SIZE_ERROR = _("照片不能超过10 MB")
