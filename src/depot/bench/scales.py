"""The sizes of the generated data set, and the fixed part the timed phases work on.

The order flow always works on the same `FLOW_CUSTOMERS` customers with `FLOW_ITEMS` items each,
whatever the scale: only the surrounding history grows, so two scales compare like for like.
"""

from dataclasses import dataclass

FLOW_CUSTOMERS = 20
FLOW_ITEMS = 30


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int
    items_per_customer: int
    past_orders: int
    flow_seconds: float
    warmup_seconds: float
    http_requests: int

    @property
    def is_smoke(self) -> bool:
        return self.name == "tiny"


SCALES = {
    "tiny": Scale("tiny", customers=FLOW_CUSTOMERS + 4, items_per_customer=12, past_orders=200,
                  flow_seconds=3, warmup_seconds=0.5, http_requests=20),
    "small": Scale("small", customers=60, items_per_customer=30, past_orders=10_000,
                   flow_seconds=20, warmup_seconds=3, http_requests=400),
    "medium": Scale("medium", customers=600, items_per_customer=40, past_orders=200_000,
                    flow_seconds=20, warmup_seconds=3, http_requests=400),
    "large": Scale("large", customers=2_500, items_per_customer=50, past_orders=1_000_000,
                   flow_seconds=20, warmup_seconds=3, http_requests=400),
}
