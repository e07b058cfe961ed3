"""Writes of surveys and improvement plans. Every function is one use case, runs in one
transaction, raises a `DomainError` with a Chinese message (nothing written) and records the
important changes in the audit trail."""

import datetime
import secrets

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.core.links import public_url
from depot.core.permissions import require_perm
from depot.surveys import selectors
from depot.surveys.choices import (
    CSAT_DIMENSIONS,
    PLAN_OPEN_STATES,
    AnswerChannel,
    Audience,
    CampaignChannel,
    CampaignState,
    Dimension,
    PlanSource,
    PlanState,
    QuestionKind,
)
from depot.surveys.models import Answer, Campaign, ImprovementPlan, Invitation, Question, Response, SurveyTemplate

EVENT_INVITE = "survey.invite"
EVENT_REMIND = "survey.remind"
TEMPLATE_FIELDS = ("code", "version", "name", "introduction", "is_active")
CAMPAIGN_FIELDS = ("name", "template", "period_start", "period_end", "channel", "audience", "grades", "tag",
                   "expires_at", "remind_every_days", "remind_limit", "state")
# Bounds of the automatic reminders a campaign may ask for.
MAX_REMIND_EVERY_DAYS = 30
MAX_REMIND_LIMIT = 5
PLAN_FIELDS = ("title", "source", "dimension", "campaign", "baseline_csat", "complaint_code", "problem", "actions",
               "department", "owner", "deadline", "state", "review_campaign", "review_csat", "review_note")


def survey_link(invitation: Invitation) -> str:
    return reverse("surveys:answer", args=[invitation.token])


# ---- templates ------------------------------------------------------------------------------

def _clean_questions(questions: list[dict]) -> list[dict]:
    errors, out = [], []
    if not questions:
        raise ValidationFailed(details={"questions": [_("问卷至少需要一道题目")]})
    for n, q in enumerate(questions, start=1):
        dimension, kind, text = q.get("dimension"), q.get("kind"), (q.get("text") or "").strip()
        options = [str(o).strip() for o in (q.get("options") or []) if str(o).strip()]
        if dimension not in Dimension.values:
            errors.append(_("第%(n)d题：请选择维度") % {"n": n})
        if kind not in QuestionKind.values:
            errors.append(_("第%(n)d题：请选择题型") % {"n": n})
        if not text:
            errors.append(_("第%(n)d题：请填写题目") % {"n": n})
        if dimension == Dimension.NPS and kind not in (QuestionKind.NPS, QuestionKind.TEXT):
            errors.append(_("第%(n)d题：推荐意愿维度须使用0–10分题型") % {"n": n})
        if kind == QuestionKind.NPS and dimension != Dimension.NPS:
            errors.append(_("第%(n)d题：0–10分题型只用于推荐意愿维度") % {"n": n})
        if kind == QuestionKind.CHOICE and len(options) < 2:
            errors.append(_("第%(n)d题：单选题至少需要两个选项") % {"n": n})
        out.append({"position": n, "dimension": dimension, "kind": kind, "text": text,
                    "options": options if kind == QuestionKind.CHOICE else [],
                    "required": bool(q.get("required", kind != QuestionKind.TEXT))})
    if errors:
        raise ValidationFailed(details={"questions": errors})
    return out


@transaction.atomic
def template_create(*, actor, data: dict, questions: list[dict]) -> SurveyTemplate:
    """A new survey template (version 1 of its code) with its questions."""
    require_perm(actor, "surveys.add_surveytemplate")
    code, name = (data.get("code") or "").strip(), (data.get("name") or "").strip()
    errors = {}
    if not code:
        errors["code"] = [_("请填写模板编码")]
    elif SurveyTemplate.objects.filter(code=code).exists():
        errors["code"] = [_("该模板编码已存在，修改题目请新建版本")]
    if not name:
        errors["name"] = [_("请填写名称")]
    if errors:
        raise ValidationFailed(details=errors)
    cleaned = _clean_questions(questions)
    template = SurveyTemplate.objects.create(code=code, version=1, name=name,
                                             introduction=data.get("introduction", ""), created_by=actor)
    Question.objects.bulk_create(Question(template=template, **q) for q in cleaned)
    audit_record(actor=actor, obj=template, action=ACTION_CREATE, after=snapshot(template, TEMPLATE_FIELDS))
    return template


@transaction.atomic
def template_new_version(*, actor, template: SurveyTemplate, questions: list[dict] | None = None,
                         data: dict | None = None) -> SurveyTemplate:
    """The next version of `template`'s code, with new questions (or a copy of the latest version's).
    The earlier versions stay as they were, so their answers keep their meaning; they are no
    longer offered for new campaigns."""
    require_perm(actor, "surveys.add_surveytemplate")
    family = SurveyTemplate.objects.select_for_update().filter(code=template.code)
    latest = family.order_by("-version").first()
    if questions is None:
        questions = list(latest.questions.order_by("position").values("dimension", "kind", "text", "options",
                                                                        "required"))
    cleaned = _clean_questions(questions)
    data = data or {}
    version = (family.aggregate(v=Max("version"))["v"] or 0) + 1
    new = SurveyTemplate.objects.create(code=template.code, version=version,
                                        name=(data.get("name") or latest.name).strip(),
                                        introduction=data.get("introduction", latest.introduction), created_by=actor)
    Question.objects.bulk_create(Question(template=new, **q) for q in cleaned)
    family.exclude(pk=new.pk).update(is_active=False)
    audit_record(actor=actor, obj=new, action=ACTION_CREATE, after=snapshot(new, TEMPLATE_FIELDS),
                 note=_("由第%(v)d版修订") % {"v": latest.version})
    return new


@transaction.atomic
def template_questions_replace(*, actor, template: SurveyTemplate, questions: list[dict]) -> SurveyTemplate:
    """Replace the questions of a template no campaign has used yet."""
    require_perm(actor, "surveys.change_surveytemplate")
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_locked:
        raise IllegalTransition(_("该问卷已被发出的调查使用，修改题目请新建版本，以免历史答卷含义改变"))
    cleaned = _clean_questions(questions)
    template.questions.all().delete()
    Question.objects.bulk_create(Question(template=template, **q) for q in cleaned)
    audit_record(actor=actor, obj=template, action=ACTION_UPDATE, force=True, note=_("修改题目"))
    return template


# ---- campaigns ------------------------------------------------------------------------------

def _check_campaign(data: dict, *, now) -> None:
    errors: dict = {}
    if not (data.get("name") or "").strip():
        errors["name"] = [_("请填写调查名称")]
    template = data.get("template")
    if template is None:
        errors["template"] = [_("请选择问卷模板")]
    elif not template.is_active:
        errors["template"] = [_("该问卷模板已停用或已有新版本")]
    elif not template.questions.exists():
        errors["template"] = [_("该问卷模板没有题目")]
    start, end = data.get("period_start"), data.get("period_end")
    if not start or not end:
        errors["period_start"] = [_("请填写调查期间")]
    elif end < start:
        errors["period_end"] = [_("调查期间的结束日期不能早于开始日期")]
    expires = data.get("expires_at")
    if not expires:
        errors["expires_at"] = [_("请填写链接有效期")]
    elif expires <= now:
        errors["expires_at"] = [_("链接有效期必须晚于现在")]
    audience = data.get("audience") or Audience.ALL_ACTIVE
    if audience not in Audience.values:
        errors["audience"] = [_("请选择调查对象")]
    if audience == Audience.GRADE and not data.get("grades"):
        errors["grades"] = [_("按等级调查时请至少选择一个客户等级")]
    if audience == Audience.TAG and not data.get("tag"):
        errors["tag"] = [_("按标签调查时请选择标签")]
    if data.get("channel", CampaignChannel.EMAIL) not in CampaignChannel.values:
        errors["channel"] = [_("请选择发送方式")]
    every, limit = data.get("remind_every_days"), data.get("remind_limit")
    if every is not None and not 0 <= every <= MAX_REMIND_EVERY_DAYS:
        errors["remind_every_days"] = [_("自动提醒间隔应在 0–%(n)d 天之间") % {"n": MAX_REMIND_EVERY_DAYS}]
    if limit is not None and not 0 <= limit <= MAX_REMIND_LIMIT:
        errors["remind_limit"] = [_("最多提醒次数应在 0–%(n)d 次之间") % {"n": MAX_REMIND_LIMIT}]
    if errors:
        raise ValidationFailed(details=errors)


@transaction.atomic
def campaign_create(*, actor, data: dict, now=None) -> Campaign:
    """A campaign in draft: nothing is sent until `campaign_send`."""
    require_perm(actor, "surveys.add_campaign")
    now = now or timezone.now()
    _check_campaign(data, now=now)
    campaign = Campaign.objects.create(
        name=data["name"].strip(), template=data["template"], period_start=data["period_start"],
        period_end=data["period_end"], channel=data.get("channel") or CampaignChannel.EMAIL,
        audience=data.get("audience") or Audience.ALL_ACTIVE, grades=list(data.get("grades") or []),
        tag=data.get("tag"), expires_at=data["expires_at"], created_by=actor,
        **{field: data[field] for field in ("remind_every_days", "remind_limit") if data.get(field) is not None},
    )
    audit_record(actor=actor, obj=campaign, action=ACTION_CREATE, after=snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


def _invite_mail(invitation: Invitation, *, reminder: bool) -> tuple[str, str]:
    campaign = invitation.campaign
    contact = invitation.contact
    url = public_url(survey_link(invitation))
    expires = timezone.localtime(campaign.expires_at).strftime("%Y-%m-%d %H:%M")
    subject = (_("提醒：请完成满意度调查《%(name)s》") if reminder else _("满意度调查邀请：%(name)s")) % {
        "name": campaign.name}
    body = _(
        "%(contact)s，您好：\n\n感谢贵司（%(customer)s）对我们仓储服务的信任。为持续改进服务，"
        "诚邀您用约3分钟完成本次满意度调查（%(start)s 至 %(end)s）。\n\n"
        "调查链接（无需登录，仅限本人使用一次）：\n%(url)s\n\n"
        "链接有效期至 %(expires)s。\n\n客户服务部"
    ) % {"contact": contact.name if contact else "", "customer": invitation.customer.short_name or
         invitation.customer.name, "start": campaign.period_start, "end": campaign.period_end, "url": url,
         "expires": expires}
    return subject, body


def _email_invitation(invitation: Invitation, *, reminder: bool) -> bool:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from depot.notifications.choices import Channel
    from depot.notifications.services import notification_enqueue

    contact = invitation.contact
    if contact is None or not contact.email:
        return False
    try:
        validate_email(contact.email)
    except ValidationError:
        return False
    subject, body = _invite_mail(invitation, reminder=reminder)
    notification_enqueue(event=EVENT_REMIND if reminder else EVENT_INVITE, customer=invitation.customer,
                         channel=Channel.EMAIL, recipient=contact.email, subject=subject, body=body,
                         related=invitation)
    return True


@transaction.atomic
def campaign_send(*, actor, campaign: Campaign, now=None) -> int:
    """Invite every contact of the chosen customers: one invitation with its own token each; for
    the email channel, an email with the link goes to every contact with an address (through the
    notifications outbox, in this transaction). Returns the number of invitations.

    Raises IllegalTransition unless the campaign is a draft, ValidationFailed when no customer
    (or none of their contacts) matches — nothing is then written."""
    require_perm(actor, "surveys.send_campaign")
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.DRAFT:
        raise IllegalTransition(_("调查已发出，不能重复发送"))
    if campaign.expires_at <= now:
        raise ValidationFailed(details={"expires_at": [_("链接有效期已过，请先修改有效期")]})
    from depot.customers.models import Contact

    customers = selectors.campaign_audience(campaign)
    contacts = list(Contact.objects.filter(customer__in=customers).select_related("customer")
                    .order_by("customer__code", "-is_primary", "id"))
    if not contacts:
        message = _("没有符合条件的收件人：请调整调查对象（等级、标签），或为客户添加联系人")
        raise ValidationFailed(message, details={"audience": [message]})
    invitations = Invitation.objects.bulk_create(
        Invitation(campaign=campaign, customer=c.customer, contact=c, token=secrets.token_urlsafe(24), sent_at=now)
        for c in contacts)
    if campaign.channel == CampaignChannel.EMAIL:
        for invitation in invitations:
            invitation.campaign = campaign
            _email_invitation(invitation, reminder=False)
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.state, campaign.sent_at = CampaignState.SENT, now
    campaign.save(update_fields=["state", "sent_at"])
    audit_record(actor=actor, obj=campaign, action=ACTION_UPDATE, before=before,
                 after=snapshot(campaign, CAMPAIGN_FIELDS), note=_("发出%(n)d份邀请") % {"n": len(invitations)})
    return len(invitations)


def _remind(campaign: Campaign, invitations, now) -> int:
    """Email a reminder for each invitation; counts it on the invitation. Returns how many went out."""
    reminded = 0
    for invitation in invitations:
        invitation.campaign = campaign
        if _email_invitation(invitation, reminder=True):
            invitation.reminders += 1
            invitation.last_reminded_at = now
            invitation.save(update_fields=["reminders", "last_reminded_at"])
            reminded += 1
    return reminded


@transaction.atomic
def campaign_remind(*, actor, campaign: Campaign, now=None) -> int:
    """Email a reminder to every contact who has not answered yet and whose link is still valid.
    Returns how many were reminded."""
    require_perm(actor, "surveys.send_campaign")
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.SENT:
        raise IllegalTransition(_("只有进行中的调查可以发送提醒"))
    if campaign.expires_at <= now:
        raise IllegalTransition(_("调查链接已过期，不能再提醒"))
    invitations = (campaign.invitations.filter(answered_at__isnull=True)
                   .select_related("contact", "customer").order_by("id"))
    reminded = _remind(campaign, invitations, now)
    audit_record(actor=actor, obj=campaign, action=ACTION_UPDATE, force=True,
                 note=_("提醒%(n)d位未答复的联系人") % {"n": reminded})
    return reminded


def campaigns_remind_due(*, actor, now=None) -> int:
    """The automatic reminders: for every email campaign in progress whose links are still valid,
    remind each contact who has not answered, has had fewer than the campaign's `remind_limit`
    reminders (manual ones count) and was last invited or reminded `remind_every_days` or more
    ago. One transaction per campaign, each locked as `campaign_remind` does; a campaign closed
    meanwhile is left alone. Returns how many reminders went out."""
    require_perm(actor, "surveys.send_campaign")
    now = now or timezone.now()
    due = Campaign.objects.filter(state=CampaignState.SENT, channel=CampaignChannel.EMAIL, expires_at__gt=now,
                                  remind_every_days__gt=0, remind_limit__gt=0).values_list("pk", flat=True)
    total = 0
    for pk in list(due):
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=pk)
            if campaign.state != CampaignState.SENT or campaign.expires_at <= now:
                continue
            last = Coalesce("last_reminded_at", "sent_at")
            invitations = (campaign.invitations.filter(answered_at__isnull=True, reminders__lt=campaign.remind_limit)
                           .alias(last=last)
                           .filter(last__lte=now - datetime.timedelta(days=campaign.remind_every_days))
                           .select_related("contact", "customer").order_by("id"))
            reminded = _remind(campaign, invitations, now)
            if reminded:
                audit_record(actor=actor, obj=campaign, action=ACTION_UPDATE, force=True,
                             note=_("自动提醒%(n)d位未答复的联系人") % {"n": reminded})
            total += reminded
    return total


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign, now=None) -> Campaign:
    require_perm(actor, "surveys.send_campaign")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != CampaignState.SENT:
        raise IllegalTransition(_("只有进行中的调查可以结束"))
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.state, campaign.closed_at = CampaignState.CLOSED, now or timezone.now()
    campaign.save(update_fields=["state", "closed_at"])
    audit_record(actor=actor, obj=campaign, action=ACTION_UPDATE, before=before,
                 after=snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


# ---- answering ------------------------------------------------------------------------------

def _clean_answers(questions: list[Question], values: dict) -> tuple[list[dict], dict]:
    """`values` maps question pk (int or str) to the raw value. Returns the answers to store and
    the errors by field `q<pk>`."""
    values = {str(k): v for k, v in (values or {}).items()}
    answers, errors = [], {}
    for q in questions:
        raw = values.get(str(q.pk))
        raw = raw.strip() if isinstance(raw, str) else raw
        field = f"q{q.pk}"
        if raw in (None, ""):
            if q.required:
                errors[field] = [_("请回答此题")]
            continue
        if q.kind in (QuestionKind.SCALE, QuestionKind.NPS):
            low, high = q.score_range
            try:
                score = int(str(raw))
            except ValueError:
                errors[field] = [_("请选择%(low)d到%(high)d之间的分数") % {"low": low, "high": high}]
                continue
            if not low <= score <= high:
                errors[field] = [_("分数须在%(low)d到%(high)d之间") % {"low": low, "high": high}]
                continue
            answers.append({"question": q, "score": score})
        elif q.kind == QuestionKind.CHOICE:
            if raw not in q.options:
                errors[field] = [_("请从给定选项中选择")]
                continue
            answers.append({"question": q, "choice": raw})
        else:
            text = str(raw)
            if len(text) > 2000:
                errors[field] = [_("意见不能超过2000字")]
                continue
            answers.append({"question": q, "text": text})
    return answers, errors


@transaction.atomic
def response_submit(*, token: str, answers: dict, channel: str = AnswerChannel.LINK, respondent: str = "",
                    now=None) -> Response:
    """Record the answers given through one invitation's token (no login needed). Locks the
    invitation row, so two submissions of the same token cannot both count.

    Raises NotFound for an unknown token, IllegalTransition when the token has answered already
    or the campaign has expired or closed, ValidationFailed (per question `q<pk>`) for a missing
    required answer, a score out of range or an unknown option — nothing is then written."""
    now = now or timezone.now()
    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("campaign", "customer", "contact")
                  .filter(token=str(token or "")).first())
    if invitation is None:
        raise NotFound(_("调查链接无效"))
    if invitation.answered_at is not None:
        raise IllegalTransition(_("该链接已提交过答卷，每个链接只能答复一次，感谢您的参与"), code="already_answered")
    if invitation.campaign.state == CampaignState.DRAFT:
        raise NotFound(_("调查链接无效"))
    if invitation.is_expired(now):
        raise IllegalTransition(_("该调查已结束或链接已过期"), code="expired")
    questions = list(invitation.campaign.template.questions.order_by("position"))
    cleaned, errors = _clean_answers(questions, answers)
    if errors:
        raise ValidationFailed(details=errors)
    customer = invitation.customer
    response = Response.objects.create(
        invitation=invitation, campaign=invitation.campaign, customer=customer, responsible_id=customer.owner_id,
        channel=channel if channel in AnswerChannel.values else AnswerChannel.LINK,
        respondent=(respondent or (invitation.contact.name if invitation.contact else ""))[:100], submitted_at=now)
    Answer.objects.bulk_create(Answer(response=response, **a) for a in cleaned)
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    return response


# ---- improvement plans ----------------------------------------------------------------------

PLAN_TRANSITIONS = {
    PlanState.PLANNED: {PlanState.IN_PROGRESS, PlanState.CANCELLED},
    PlanState.IN_PROGRESS: {PlanState.COMPLETED, PlanState.CANCELLED},
    PlanState.COMPLETED: {PlanState.EFFECTIVE, PlanState.INEFFECTIVE, PlanState.IN_PROGRESS},
    PlanState.EFFECTIVE: set(),
    PlanState.INEFFECTIVE: set(),
    PlanState.CANCELLED: set(),
}


def _check_plan(data: dict, *, today) -> None:
    errors = {}
    for field, message in (("title", _("请填写标题")), ("problem", _("请填写问题描述")),
                           ("actions", _("请填写改进措施")), ("department", _("请填写责任部门"))):
        if not (data.get(field) or "").strip():
            errors[field] = [message]
    if data.get("owner") is None:
        errors["owner"] = [_("请指定责任人")]
    deadline = data.get("deadline")
    if deadline is None:
        errors["deadline"] = [_("请填写完成期限")]
    elif deadline < today:
        errors["deadline"] = [_("完成期限不能早于今天")]
    source = data.get("source") or PlanSource.MANUAL
    if source not in PlanSource.values:
        errors["source"] = [_("请选择来源")]
    dimension = data.get("dimension") or ""
    if dimension and dimension not in Dimension.values:
        errors["dimension"] = [_("请选择维度")]
    if source == PlanSource.DIMENSION and dimension not in CSAT_DIMENSIONS:
        errors["dimension"] = [_("来自低分维度的改进计划须指定一个满意度维度")]
    if source == PlanSource.COMPLAINT and not (data.get("complaint_code") or "").strip():
        errors["complaint_code"] = [_("来自投诉的改进计划须填写投诉编号")]
    if errors:
        raise ValidationFailed(details=errors)


@transaction.atomic
def plan_create(*, actor, data: dict, today=None) -> ImprovementPlan:
    """A new improvement plan. From a low-scoring dimension (`source="dimension"` with `campaign`
    and `dimension`) its baseline is that dimension's CSAT in that campaign."""
    require_perm(actor, "surveys.add_improvementplan")
    _check_plan(data, today=today or timezone.localdate())
    source = data.get("source") or PlanSource.MANUAL
    baseline = None
    campaign = data.get("campaign")
    if data.get("dimension") and campaign is not None:
        baseline = selectors.dimension_csat(campaign=campaign, dimension=data["dimension"])
    plan = ImprovementPlan.objects.create(
        title=data["title"].strip(), source=source, dimension=data.get("dimension") or "", campaign=campaign,
        baseline_csat=baseline, complaint_code=(data.get("complaint_code") or "").strip(),
        problem=data["problem"].strip(), actions=data["actions"].strip(), department=data["department"].strip(),
        owner=data["owner"], deadline=data["deadline"], created_by=actor,
    )
    audit_record(actor=actor, obj=plan, action=ACTION_CREATE, after=snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_update(*, actor, plan: ImprovementPlan, data: dict) -> ImprovementPlan:
    """Change the problem, actions, department, owner or deadline of an open plan."""
    require_perm(actor, "surveys.change_improvementplan")
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state not in PLAN_OPEN_STATES:
        raise IllegalTransition(_("已评估或已取消的改进计划不能修改"))
    before = snapshot(plan, PLAN_FIELDS)
    merged = {f: getattr(plan, f) for f in ("title", "problem", "actions", "department", "owner", "deadline",
                                            "source", "dimension", "complaint_code")}
    merged.update({k: v for k, v in data.items() if k in merged})
    if merged["deadline"] != plan.deadline:
        _check_plan(merged, today=timezone.localdate())
    else:
        _check_plan({**merged, "deadline": max(plan.deadline, timezone.localdate())}, today=timezone.localdate())
    for field in ("title", "problem", "actions", "department", "owner", "deadline", "dimension", "complaint_code"):
        value = merged[field]
        setattr(plan, field, value.strip() if isinstance(value, str) else value)
    plan.save()
    audit_record(actor=actor, obj=plan, action=ACTION_UPDATE, before=before, after=snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_transition(*, actor, plan: ImprovementPlan, to: str, note: str = "", now=None) -> ImprovementPlan:
    """Start, complete, reopen or cancel a plan (the verdicts go through `plan_review`)."""
    require_perm(actor, "surveys.change_improvementplan")
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if to in (PlanState.EFFECTIVE, PlanState.INEFFECTIVE) or to not in PLAN_TRANSITIONS[plan.state]:
        raise IllegalTransition(_("改进计划当前为“%(state)s”，不能改为“%(to)s”") % {
            "state": plan.get_state_display(), "to": PlanState(to).label if to in PlanState.values else to})
    before = snapshot(plan, PLAN_FIELDS)
    plan.state = to
    if to == PlanState.COMPLETED:
        plan.completed_at = now or timezone.now()
    plan.save(update_fields=["state", "completed_at"])
    audit_record(actor=actor, obj=plan, action=ACTION_UPDATE, before=before, after=snapshot(plan, PLAN_FIELDS),
                 note=note)
    return plan


@transaction.atomic
def plan_review(*, actor, plan: ImprovementPlan, note: str = "", effective: bool | None = None,
                now=None) -> ImprovementPlan:
    """The effectiveness review of a completed plan. With a dimension, the verdict comes from the
    data: the dimension's CSAT in the first campaign (sent after the plan was completed) that has
    answers for it, against the baseline; effective when it rose. Without a dimension, or without
    a baseline, the reviewer's `effective` decides.

    Raises IllegalTransition unless the plan is completed, ValidationFailed when there is no
    campaign with data yet and no verdict was given."""
    require_perm(actor, "surveys.review_improvementplan")
    now = now or timezone.now()
    plan = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.COMPLETED:
        raise IllegalTransition(_("只有已完成的改进计划可以评估效果"))
    from depot.surveys.policy import plan_verdict

    before = snapshot(plan, PLAN_FIELDS)
    review_campaign, review_csat = None, None
    if plan.dimension in CSAT_DIMENSIONS:
        review_campaign, review_csat = selectors.next_campaign_score(
            dimension=plan.dimension, after=plan.completed_at or plan.created_at, exclude=plan.campaign)
    verdict = plan_verdict(baseline=plan.baseline_csat, review=review_csat)
    if verdict is None:
        verdict = effective
    if verdict is None:
        reason = (_("完成后尚无调查取得该维度的答卷，暂不能评估；如需人工判定，请选择评估结论")
                  if plan.dimension in CSAT_DIMENSIONS else _("请选择评估结论（有效或未见效）"))
        raise ValidationFailed(reason, details={"effective": [reason]})
    plan.review_campaign, plan.review_csat = review_campaign, review_csat
    plan.review_note = (note or "").strip()
    plan.state = PlanState.EFFECTIVE if verdict else PlanState.INEFFECTIVE
    plan.reviewed_by, plan.reviewed_at = actor, now
    plan.save()
    audit_record(actor=actor, obj=plan, action=ACTION_UPDATE, before=before, after=snapshot(plan, PLAN_FIELDS))
    return plan


def plan_defaults_for_dimension(*, campaign: Campaign, dimension: str) -> dict:
    """Initial values of a plan created from a low-scoring dimension of a campaign's results."""
    label = Dimension(dimension).label
    score = selectors.dimension_csat(campaign=campaign, dimension=dimension)
    return {"title": _("提升%(dim)s满意度") % {"dim": label}, "source": PlanSource.DIMENSION,
            "dimension": dimension, "campaign": campaign.pk,
            "problem": _("《%(campaign)s》中“%(dim)s”满意度为%(score)s，为各维度中较低者。") % {
                "campaign": campaign.name, "dim": label,
                "score": f"{score}%" if score is not None else _("暂无数据")},
            "deadline": timezone.localdate() + datetime.timedelta(days=30)}

