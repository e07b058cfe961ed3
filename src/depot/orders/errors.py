"""The orders' domain errors."""

from depot.core.errors import DomainError


class IdempotencyConflict(DomainError):
    """The idempotency key (or the customer's order reference) was already used for a different
    request body: the earlier order stands and nothing new is created."""

    code = "idempotency_conflict"

    def __init__(self, message, *, order, field: str):
        self.order = order
        super().__init__(message, details={field: [message]})
