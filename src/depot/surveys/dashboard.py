"""Surveys on the landing page (latest campaign's CSAT, NPS and response rate, open plans) and the
improvement plans in the work list of their owner."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from depot.core.worklist import Task
from depot.surveys import selectors
from depot.surveys.choices import CampaignState, PlanState

NO_DATA = gettext_lazy("暂无数据")


def _pct(value) -> str:
    return f"{value}%" if value is not None else str(NO_DATA)


def surveys_section(request) -> dict | None:
    user = request.user
    if not user.has_perm("surveys.view_campaign"):
        return None
    latest = selectors.campaign_list(user=user).exclude(state=CampaignState.DRAFT).order_by("-sent_at").first()
    open_plans = selectors.plan_list(user=user).filter(state__in=[PlanState.PLANNED, PlanState.IN_PROGRESS])
    cards = [{"label": _("改进计划（进行中）"), "value": open_plans.count(),
              "href": reverse("admin:surveys_improvementplan_changelist")}]
    if latest is not None:
        results = selectors.campaign_results(user=user, campaign=latest)
        url = reverse("admin:surveys_campaign_results", args=[latest.pk])
        o = results["overall"]
        cards = [{"label": _("客户满意度 CSAT（%(name)s）") % {"name": latest.name}, "value": _pct(o["csat"]),
                  "href": url},
                 {"label": _("净推荐值 NPS"), "value": o["nps"] if o["nps"] is not None else NO_DATA, "href": url},
                 {"label": _("答复率"), "value": _pct(o["response_rate"]), "href": url}] + cards
    return {"title": _("满意度与改进"), "cards": cards}


def plan_tasks(*, user, team: bool = False) -> list[Task]:
    plans = selectors.plan_list(user=user).filter(state__in=[PlanState.PLANNED, PlanState.IN_PROGRESS])
    if not team:
        plans = plans.filter(owner=user)
    today = timezone.localdate()
    return [Task(kind=_("改进计划"), title=p.title, url=reverse("admin:surveys_improvementplan_change", args=[p.pk]),
                 due=p.deadline, overdue=p.deadline < today, owner=p.owner.first_name or p.owner.get_username(),
                 detail=p.department) for p in plans.order_by("deadline")]
