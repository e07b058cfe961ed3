from django import template

register = template.Library()

GOOD = {"shipped", "delivered", "confirmed", "put_away", "received", "closed", "allocated"}
BAD = {"held", "incomplete", "cancelled", "rejected", "suspended", "reopened"}
WAITING = {"answered", "credit_review", "pending_audit"}


@register.filter
def badge(state) -> str:
    """The colour class of a state's badge."""
    state = str(state or "")
    if state in GOOD:
        return "ok"
    if state in BAD:
        return "bad"
    if state in WAITING:
        return "warn"
    return ""
