"""The survey formulas, in pure Python (docs/kpi.md explains them to users).

- CSAT of a set of 1–5 answers: the share of satisfied answers (4 or 5), in percent.
- NPS of a set of 0–10 answers: promoters (9–10) minus detractors (0–6), in percent points.
- Mean score: the plain average, for ranking dimensions.
Every function returns None for no answers: "no data" is never shown as 0.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

SATISFIED_FROM = 4
PROMOTER_FROM = 9
DETRACTOR_TO = 6
ONE_PLACE = Decimal("0.1")


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def csat(scores: Iterable[int]) -> Decimal | None:
    scores = list(scores)
    return _pct(sum(1 for s in scores if s >= SATISFIED_FROM), len(scores))


def nps(scores: Iterable[int]) -> Decimal | None:
    scores = list(scores)
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= PROMOTER_FROM)
    detractors = sum(1 for s in scores if s <= DETRACTOR_TO)
    return (Decimal(100) * (promoters - detractors) / len(scores)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def mean(scores: Iterable[int]) -> Decimal | None:
    scores = list(scores)
    if not scores:
        return None
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def response_rate(responded: int, invited: int) -> Decimal | None:
    return _pct(responded, invited)


def change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or previous is None:
        return None
    return current - previous


def plan_verdict(*, baseline: Decimal | None, review: Decimal | None) -> bool | None:
    """Effective when the dimension's CSAT rose above the baseline; None when it cannot be told."""
    if baseline is None or review is None:
        return None
    return review > baseline
