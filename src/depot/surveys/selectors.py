"""Reads of surveys: the audience of a campaign, results (CSAT per dimension, NPS, response rate,
by customer, grade, dimension and responsible staff member, against the previous campaign), the
open survey links of a customer for the portal, and `csat_nps` for the KPI and analytics apps.

Staff scoping: a CS specialist sees the results of their own customers only (through
`customers.selectors.customer_list`).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.errors import NotFound
from depot.surveys import policy
from depot.surveys.choices import CSAT_DIMENSIONS, Audience, CampaignState, Dimension, PlanState, QuestionKind
from depot.surveys.models import Answer, Campaign, ImprovementPlan, Invitation

LOW_SCORE_TO = 3  # a 1–5 answer of 3 or less is "not satisfied": its comments explain the low score


def _can(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_bounds(period) -> tuple[datetime.datetime, datetime.datetime]:
    """(start, end) datetimes of a (first day, last day) period, end excluded."""
    start, end = period
    return _moment(start), _moment(end + datetime.timedelta(days=1))


# ---- audience -------------------------------------------------------------------------------

def campaign_audience(campaign: Campaign):
    """The customers a campaign goes to: active customers, narrowed by grade or tag."""
    from depot.customers.choices import Status
    from depot.customers.models import Customer

    qs = Customer.objects.filter(status=Status.ACTIVE)
    if campaign.audience == Audience.GRADE:
        qs = qs.filter(grade__in=campaign.grades or [])
    elif campaign.audience == Audience.TAG:
        qs = qs.filter(tags=campaign.tag)
    return qs.distinct().order_by("code")


# ---- lists ----------------------------------------------------------------------------------

def campaign_list(*, user) -> QuerySet[Campaign]:
    if not _can(user, "surveys.view_campaign"):
        return Campaign.objects.none()
    return Campaign.objects.select_related("template")


def campaign_get(*, user, pk) -> Campaign:
    try:
        return campaign_list(user=user).get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def plan_list(*, user) -> QuerySet[ImprovementPlan]:
    if not _can(user, "surveys.view_improvementplan"):
        return ImprovementPlan.objects.none()
    return ImprovementPlan.objects.select_related("owner", "campaign")


def invitation_for_token(token: str) -> Invitation:
    invitation = (Invitation.objects.select_related("campaign", "campaign__template", "customer", "contact")
                  .filter(token=str(token or "")).exclude(campaign__state=CampaignState.DRAFT).first())
    if invitation is None:
        raise NotFound(_("调查链接无效"))
    return invitation


def pending_for_customer(*, customer, now=None) -> list[dict]:
    """Open survey links of the customer's contacts (not answered, not expired), for the portal:
    dicts with title, url, expires_at (and contact). The url marks the answer as given in the portal."""
    now = now or timezone.now()
    from django.urls import reverse

    invitations = (Invitation.objects.filter(customer=customer, answered_at__isnull=True,
                                             campaign__state=CampaignState.SENT, campaign__expires_at__gt=now)
                   .select_related("campaign", "contact").order_by("campaign__expires_at", "id"))
    return [{"title": i.campaign.name, "url": reverse("surveys:answer", args=[i.token]) + "?via=portal",
             "expires_at": i.campaign.expires_at, "contact": i.contact.name if i.contact else ""}
            for i in invitations]


# ---- figures --------------------------------------------------------------------------------

def scored_answers(answers: QuerySet[Answer] | None = None) -> QuerySet[Answer]:
    """The answers CSAT and NPS are computed from: the scores given to 1–5 and 0–10 questions."""
    answers = Answer.objects.all() if answers is None else answers
    return answers.filter(score__isnull=False, question__kind__in=[QuestionKind.SCALE, QuestionKind.NPS])


def csat_nps_of_counts(rows, responses: int) -> dict:
    """`csat_nps` from score counts read in the database: rows of `question__kind`, `score` and
    `n` (how many answers gave that score), and the number of responses they come from."""
    def scores(kind):
        return [r["score"] for r in rows if r["question__kind"] == kind for _ in range(r["n"])]

    return {"csat": policy.csat(scores(QuestionKind.SCALE)), "nps": policy.nps(scores(QuestionKind.NPS)),
            "responses": responses}


def _score_rows(answers: QuerySet[Answer]) -> list[dict]:
    return list(scored_answers(answers)
                .values("score", "question__kind", "question__dimension", "response_id", "response__customer_id",
                        "response__customer__code", "response__customer__short_name", "response__customer__name",
                        "response__customer__grade", "response__responsible_id"))


def _figures(rows: list[dict]) -> dict:
    scale = [r["score"] for r in rows if r["question__kind"] == QuestionKind.SCALE]
    recommend = [r["score"] for r in rows if r["question__kind"] == QuestionKind.NPS]
    return {"csat": policy.csat(scale), "mean": policy.mean(scale), "nps": policy.nps(recommend),
            "responses": len({r["response_id"] for r in rows}), "answers": len(scale)}


def csat_nps(*, customers=None, period=None, responsible=None, campaign=None) -> dict:
    """CSAT (0–100, share of 4–5 answers on every 1–5 question) and NPS (−100..100) of the
    responses submitted in `period` (first day, last day), for some customers (a queryset or
    list), of the customers a staff member was responsible for (`responsible`), or of one
    campaign. `responses` counts the responses with at least one score. None means no data."""
    answers = Answer.objects.all()
    if period is not None:
        start, end = period_bounds(period)
        answers = answers.filter(response__submitted_at__gte=start, response__submitted_at__lt=end)
    if customers is not None:
        answers = answers.filter(response__customer__in=customers)
    if responsible is not None:
        answers = answers.filter(response__responsible=responsible)
    if campaign is not None:
        answers = answers.filter(response__campaign=campaign)
    figures = _figures(_score_rows(answers))
    return {"csat": figures["csat"], "nps": figures["nps"], "responses": figures["responses"]}


def dimension_csat(*, campaign: Campaign, dimension: str) -> Decimal | None:
    scores = Answer.objects.filter(response__campaign=campaign, question__dimension=dimension,
                                   question__kind=QuestionKind.SCALE, score__isnull=False).values_list("score",
                                                                                                       flat=True)
    return policy.csat(scores)


def next_campaign_score(*, dimension: str, after: datetime.datetime, exclude: Campaign | None = None):
    """The first campaign sent after `after` that has answers for `dimension`, and that
    dimension's CSAT in it; (None, None) when there is none yet."""
    campaigns = Campaign.objects.filter(sent_at__gt=after).exclude(state=CampaignState.DRAFT).order_by("sent_at", "pk")
    if exclude is not None:
        campaigns = campaigns.exclude(pk=exclude.pk)
    for campaign in campaigns:
        score = dimension_csat(campaign=campaign, dimension=dimension)
        if score is not None:
            return campaign, score
    return None, None


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The campaign sent before this one (any template: dimensions are comparable across versions)."""
    if campaign.sent_at is None:
        return None
    return (Campaign.objects.filter(sent_at__lt=campaign.sent_at).exclude(state=CampaignState.DRAFT)
            .order_by("-sent_at", "-pk").first())


def _group(rows, key) -> dict:
    out = defaultdict(list)
    for r in rows:
        out[key(r)].append(r)
    return out


def campaign_results(*, user, campaign: Campaign, lowest: int = 2) -> dict:
    """Everything the results page shows, scoped to the customers the user may see."""
    from django.contrib.auth import get_user_model

    from depot.customers.selectors import customer_list

    campaign = campaign_get(user=user, pk=campaign.pk)
    visible = customer_list(user=user)
    invitations = campaign.invitations.filter(customer__in=visible)
    invited = invitations.count()
    responded = invitations.filter(answered_at__isnull=False).count()
    answers = Answer.objects.filter(response__campaign=campaign, response__customer__in=visible)
    rows = _score_rows(answers)
    overall = _figures(rows)
    overall["invited"], overall["responded"] = invited, responded
    overall["response_rate"] = policy.response_rate(responded, invited)

    previous = previous_campaign(campaign)
    prev_rows = _score_rows(Answer.objects.filter(response__campaign=previous, response__customer__in=visible)) \
        if previous else []
    prev_overall = _figures(prev_rows) if previous else None
    prev_by_dim = _group(prev_rows, lambda r: r["question__dimension"])

    by_dim = _group(rows, lambda r: r["question__dimension"])
    dimensions = []
    for dim in CSAT_DIMENSIONS:
        fig = _figures(by_dim.get(dim, []))
        prev = _figures(prev_by_dim.get(dim, [])) if previous else None
        dimensions.append({"code": dim, "label": Dimension(dim).label, **fig,
                           "previous": prev["csat"] if prev else None,
                           "change": policy.change(fig["csat"], prev["csat"] if prev else None)})
    ranked = sorted([d for d in dimensions if d["mean"] is not None], key=lambda d: (d["mean"], d["csat"]))
    low = ranked[:lowest]
    for d in low:
        d["comments"] = _comments(campaign=campaign, dimension=d["code"], visible=visible)

    by_customer = []
    for _cid, items in sorted(_group(rows, lambda r: r["response__customer_id"]).items(),
                              key=lambda kv: kv[1][0]["response__customer__code"]):
        first = items[0]
        by_customer.append({"customer_id": first["response__customer_id"], "code": first["response__customer__code"],
                            "name": first["response__customer__short_name"] or first["response__customer__name"],
                            "grade": first["response__customer__grade"], **_figures(items)})
    by_grade = [{"grade": g, **_figures(items)}
                for g, items in sorted(_group(rows, lambda r: r["response__customer__grade"]).items())]
    staff_rows = _group(rows, lambda r: r["response__responsible_id"])
    names = {u.pk: (u.first_name or u.get_username())
             for u in get_user_model().objects.filter(pk__in=[k for k in staff_rows if k])}
    by_staff = sorted(({"staff_id": k, "name": names.get(k, _("未分配")), **_figures(items)}
                       for k, items in staff_rows.items()), key=lambda d: d["name"])
    return {"campaign": campaign, "overall": overall, "dimensions": dimensions, "lowest": low,
            "by_customer": by_customer, "by_grade": by_grade, "by_staff": by_staff,
            "previous": previous, "previous_overall": prev_overall,
            "plans": list(campaign.improvement_plans.select_related("owner").order_by("deadline"))}


def _comments(*, campaign: Campaign, dimension: str, visible, limit: int = 10) -> list[dict]:
    """The verbatim comments behind a low dimension: the text answers of the responses that gave
    that dimension 3 or less, and the text questions asked about the dimension itself."""
    low_responses = (Answer.objects.filter(response__campaign=campaign, question__dimension=dimension,
                                           question__kind=QuestionKind.SCALE, score__lte=LOW_SCORE_TO)
                     .values("response_id"))
    texts = (Answer.objects.filter(response__campaign=campaign, response__customer__in=visible,
                                   question__kind=QuestionKind.TEXT)
             .exclude(text="").select_related("response__customer", "question"))
    texts = texts.filter(Q(response_id__in=low_responses) | Q(question__dimension=dimension)).order_by(
        "response__submitted_at", "id")[:limit]
    return [{"customer": a.response.customer.short_name or a.response.customer.name, "text": a.text,
             "question": a.question.text, "respondent": a.response.respondent} for a in texts]


def open_plans_overdue(*, user) -> QuerySet[ImprovementPlan]:
    return plan_list(user=user).filter(state__in=[PlanState.PLANNED, PlanState.IN_PROGRESS],
                                       deadline__lt=timezone.localdate())
