"""The outbox's section of the landing page: shown only when something needs attention."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from depot.notifications import selectors
from depot.notifications.choices import Status

# Pending longer than this after its time means no worker is taking the jobs.
STUCK_AFTER = timedelta(minutes=10)


def notifications_section(request) -> dict | None:
    if not request.user.has_perm("notifications.view_notification"):
        return None
    counts = selectors.notification_list(user=request.user).aggregate(
        failed=Count("id", filter=Q(status=Status.FAILED)),
        stuck=Count("id", filter=Q(status=Status.PENDING, next_attempt_at__lt=timezone.now() - STUCK_AFTER)),
    )
    if not any(counts.values()):
        return None
    url = reverse("admin:notifications_notification_changelist")
    return {
        "title": _("通知"),
        "cards": [
            {"label": _("发送失败的通知"), "value": counts["failed"],
             "href": f"{url}?{urlencode({'status__exact': Status.FAILED})}"},
            {"label": _("逾期未发送（请检查后台任务进程）"), "value": counts["stuck"],
             "href": f"{url}?{urlencode({'status__exact': Status.PENDING})}"},
        ],
    }
