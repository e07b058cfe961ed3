"""Pure rules of the customer archive (no database)."""

from django.utils.translation import gettext as _

from depot.core.errors import IllegalTransition
from depot.customers.choices import Status

# from-status -> statuses it may move to; the lifecycle of a customer file
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.PROSPECT: {Status.ACTIVE, Status.CLOSED},
    Status.ACTIVE: {Status.SUSPENDED, Status.CLOSED},
    Status.SUSPENDED: {Status.ACTIVE, Status.CLOSED},
    Status.CLOSED: {Status.ACTIVE},
}
REASON_REQUIRED = {Status.SUSPENDED, Status.CLOSED}


def check_status_transition(current: str, target: str, reason: str) -> None:
    if target not in STATUS_TRANSITIONS.get(current, set()):
        raise IllegalTransition(
            _("客户状态不能从“%(a)s”变为“%(b)s”") % {"a": Status(current).label, "b": Status(target).label},
            details={"status": [_("不允许的状态变更")]},
        )
    if target in REASON_REQUIRED and not (reason or "").strip():
        raise IllegalTransition(
            _("暂停或终止合作必须填写原因"), code="reason_required", details={"reason": [_("请填写原因")]}
        )
