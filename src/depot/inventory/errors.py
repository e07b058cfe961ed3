"""Inventory's domain errors. Each carries a code and the data the caller needs to explain it."""

from django.utils.translation import gettext as _

from depot.core.errors import DomainError


class InsufficientStock(DomainError):
    """Not enough available stock (on hand minus reserved) for the requested quantity."""

    code = "insufficient_stock"

    def __init__(self, *, item, requested: int, available: int, where: str = ""):
        self.item = item
        self.requested = requested
        self.available = available
        message = _("库存不足：%(item)s%(where)s需要%(requested)d，可用%(available)d") % {
            "item": item, "where": f"（{where}）" if where else "", "requested": requested, "available": available,
        }
        super().__init__(message, details={"quantity": [message]})


class LocationRejected(DomainError):
    """The location may not take (or give) this stock now: incompatible, full, blocked or being counted."""

    code = "location_rejected"

    def __init__(self, *, location, reason: str, field: str = "location"):
        self.location = location
        self.reason = reason
        message = _("库位%(loc)s不可用：%(reason)s") % {"loc": location, "reason": reason}
        super().__init__(message, details={field: [message]})
