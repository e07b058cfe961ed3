"""Satisfaction surveys (满意度调查) and improvement plans (改进计划).

A template's questions never change once a campaign has used it: a change makes a new version
(`services.template_new_version`), so every answer keeps pointing at the question it answered.
Each contact of a chosen customer gets one invitation with a random token; the token answers once, until the
campaign's `expires_at`. `Response.responsible` keeps the customer's CS specialist at the time of
answering, so results by staff do not move when customers are reassigned later.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depot.surveys import choices


class SurveyTemplate(models.Model):
    code = models.CharField(_("模板编码"), max_length=30, help_text=_("同一问卷的各个版本使用相同编码"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    introduction = models.TextField(_("问卷说明"), blank=True)
    is_active = models.BooleanField(_("可用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("问卷模板")
        verbose_name_plural = _("问卷模板")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_template_version_unique",
                                    violation_error_message=_("该模板编码的此版本已存在")),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @property
    def is_locked(self) -> bool:
        """Used by a campaign that went out: its questions are frozen."""
        return self.campaigns.exclude(state=choices.CampaignState.DRAFT).exists()


class Question(models.Model):
    template = models.ForeignKey(SurveyTemplate, verbose_name=_("问卷模板"), on_delete=models.CASCADE,
                                 related_name="questions")
    position = models.PositiveSmallIntegerField(_("序号"))
    dimension = models.CharField(_("维度"), max_length=20, choices=choices.Dimension.choices)
    kind = models.CharField(_("题型"), max_length=10, choices=choices.QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    options = models.JSONField(_("选项"), default=list, blank=True, help_text=_("单选题的选项列表"))
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="survey_question_position_unique",
                                    violation_error_message=_("题目序号重复")),
        ]

    def __str__(self):
        return f"{self.position}. {self.text}"

    @property
    def score_range(self) -> tuple[int, int] | None:
        if self.kind == choices.QuestionKind.SCALE:
            return 1, 5
        if self.kind == choices.QuestionKind.NPS:
            return 0, 10
        return None


class Campaign(models.Model):
    name = models.CharField(_("调查名称"), max_length=100)
    template = models.ForeignKey(SurveyTemplate, verbose_name=_("问卷模板"), on_delete=models.PROTECT,
                                 related_name="campaigns")
    period_start = models.DateField(_("调查期间起"))
    period_end = models.DateField(_("调查期间止"))
    channel = models.CharField(_("发送方式"), max_length=10, choices=choices.CampaignChannel.choices,
                               default=choices.CampaignChannel.EMAIL)
    audience = models.CharField(_("调查对象"), max_length=12, choices=choices.Audience.choices,
                                default=choices.Audience.ALL_ACTIVE)
    grades = models.JSONField(_("客户等级"), default=list, blank=True)
    tag = models.ForeignKey("customers.Tag", verbose_name=_("客户标签"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("链接有效期至"))
    remind_every_days = models.PositiveSmallIntegerField(
        _("自动提醒间隔（天）"), default=3,
        help_text=_("邮件调查发出后，每隔几天在工作时间自动提醒未答复的联系人；0 表示不自动提醒"))
    remind_limit = models.PositiveSmallIntegerField(
        _("最多提醒次数"), default=2, help_text=_("每位联系人最多收到几次提醒（含手动提醒）"))
    state = models.CharField(_("状态"), max_length=10, choices=choices.CampaignState.choices,
                             default=choices.CampaignState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="survey_campaign_period_order",
                                   violation_error_message=_("调查期间的结束日期不能早于开始日期")),
        ]
        permissions = [("send_campaign", _("发送满意度调查及提醒"))]

    def __str__(self):
        return self.name


class Invitation(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("满意度调查"), on_delete=models.CASCADE,
                                 related_name="invitations")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="survey_invitations")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("联系人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    token = models.CharField(_("链接令牌"), max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(_("提醒次数"), default=0)
    last_reminded_at = models.DateTimeField(_("最近提醒时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调查邀请")
        verbose_name_plural = _("调查邀请")
        ordering = ["campaign", "customer__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="survey_invitation_one_per_contact",
                                    violation_error_message=_("该联系人已在本次调查中")),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.customer}"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.campaign.expires_at or self.campaign.state == \
            choices.CampaignState.CLOSED


class Response(models.Model):
    invitation = models.OneToOneField(Invitation, verbose_name=_("调查邀请"), on_delete=models.CASCADE,
                                      related_name="response")
    campaign = models.ForeignKey(Campaign, verbose_name=_("满意度调查"), on_delete=models.CASCADE,
                                 related_name="responses")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="survey_responses")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责客服"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("答复方式"), max_length=10, choices=choices.AnswerChannel.choices)
    respondent = models.CharField(_("答复人"), max_length=100, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["submitted_at"], name="survey_response_submitted_idx")]

    def __str__(self):
        return f"{self.campaign} · {self.customer}"


class Answer(models.Model):
    response = models.ForeignKey(Response, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(_("分数"), null=True, blank=True)
    choice = models.CharField(_("选项"), max_length=100, blank=True)
    text = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_one_per_question",
                                    violation_error_message=_("同一题目只能回答一次")),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                                   name="survey_answer_score_range", violation_error_message=_("分数超出范围")),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.score if self.score is not None else self.choice or self.text}"


class ImprovementPlan(models.Model):
    """改进计划: a problem, the actions against it, who does them by when, and whether they worked —
    judged by the dimension's CSAT in the first campaign after the plan was completed."""

    title = models.CharField(_("标题"), max_length=120)
    source = models.CharField(_("来源"), max_length=10, choices=choices.PlanSource.choices,
                              default=choices.PlanSource.MANUAL)
    dimension = models.CharField(_("改进维度"), max_length=20, choices=choices.Dimension.choices, blank=True)
    campaign = models.ForeignKey(Campaign, verbose_name=_("来源调查"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="improvement_plans")
    baseline_csat = models.DecimalField(_("基线满意度（%）"), max_digits=5, decimal_places=1, null=True, blank=True)
    complaint_code = models.CharField(_("来源投诉编号"), max_length=30, blank=True)
    problem = models.TextField(_("问题描述"))
    actions = models.TextField(_("改进措施"))
    department = models.CharField(_("责任部门"), max_length=50)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                              related_name="improvement_plans")
    deadline = models.DateField(_("完成期限"))
    state = models.CharField(_("状态"), max_length=12, choices=choices.PlanState.choices,
                             default=choices.PlanState.PLANNED)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    review_campaign = models.ForeignKey(Campaign, verbose_name=_("评估所用调查"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    review_csat = models.DecimalField(_("评估时满意度（%）"), max_digits=5, decimal_places=1, null=True, blank=True)
    review_note = models.TextField(_("效果评估"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评估人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("评估时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("改进计划")
        verbose_name_plural = _("改进计划")
        ordering = ["deadline", "id"]
        permissions = [("review_improvementplan", _("评估改进计划效果"))]

    def __str__(self):
        return self.title

    @property
    def overdue(self) -> bool:
        return self.state in choices.PLAN_OPEN_STATES - {choices.PlanState.COMPLETED} and \
            self.deadline < timezone.localdate()
