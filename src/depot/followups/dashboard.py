"""Follow-ups and care on the landing page, scoped to the user: follow-ups due this week and
overdue, care tasks to send today."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from depot.followups import selectors

ROWS = 8


def _link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def followups_section(request, *, today: datetime.date | None = None) -> dict | None:
    user = request.user
    if not user.has_perm("followups.view_followup"):
        return None
    today = today or timezone.localdate()
    url = reverse("admin:followups_followup_changelist")
    care_url = reverse("admin:followups_caretask_changelist")
    overdue = selectors.followups_overdue(user=user, today=today)
    week = selectors.followup_list(user=user, week=True, today=today)
    care = selectors.care_tasks_due(user=user, today=today)
    overdue_rows = list(overdue[:ROWS])
    care_rows = list(care[:ROWS])
    cards = [
        {"label": _("本周待回访"), "value": week.count(), "href": f"{url}?due=week"},
        {"label": _("逾期回访"), "value": overdue.count(), "href": f"{url}?due=overdue"},
        {"label": _("今日关怀任务"), "value": care.count(), "href": f"{care_url}?due=today"},
    ]
    tables = []
    if overdue_rows:
        tables.append({"title": _("逾期回访"), "headers": [_("客户"), _("回访原因"), _("计划日期"), _("逾期天数"),
                                                        _("回访人")],
                       "rows": [[_link(reverse("admin:followups_followup_change", args=[f.pk]), str(f.customer)),
                                 f.get_reason_display(), f.planned_on.isoformat(), (today - f.planned_on).days,
                                 (f.assignee.get_full_name() or f.assignee.get_username()) if f.assignee else "—"]
                                for f in overdue_rows]})
    if care_rows:
        tables.append({"title": _("今日关怀任务"), "headers": [_("联系人"), _("客户"), _("关怀类型"), _("日期")],
                       "rows": [[_link(reverse("admin:followups_caretask_change", args=[t.pk]), t.contact.name),
                                 str(t.customer), t.festival.name if t.festival_id else t.get_occasion_display(),
                                 t.occasion_date.isoformat()] for t in care_rows]})
    return {"title": _("回访与关怀"), "cards": cards, "breakdowns": [], "tables": tables}
