"""Back office of surveys: question templates (edited through the services; a used template is
frozen and gets new versions), campaigns (created here, sent and analysed on their page) and
improvement plans."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from depot.core.admin import Rejected, ServiceAdminMixin, domain_errors
from depot.core.errors import DomainError
from depot.customers.choices import Grade
from depot.surveys import admin_views, selectors, services
from depot.surveys.choices import PLAN_OPEN_STATES, CampaignState, PlanState
from depot.surveys.models import Campaign, ImprovementPlan, Question, SurveyTemplate

PLAN_COLOURS = {PlanState.PLANNED: "info", PlanState.IN_PROGRESS: "warning", PlanState.COMPLETED: "info",
                PlanState.EFFECTIVE: "success", PlanState.INEFFECTIVE: "danger", PlanState.CANCELLED: "default"}
CAMPAIGN_COLOURS = {CampaignState.DRAFT: "default", CampaignState.SENT: "info", CampaignState.CLOSED: "success"}


class QuestionInline(TabularInline):
    model = Question
    fields = ("dimension", "kind", "text", "options", "required")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_locked)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_locked)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_locked)


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ("code", "version", "name", "is_active", "question_count", "locked")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    inlines = [QuestionInline]
    fields = ("code", "name", "introduction")
    actions_detail = ["new_version"]

    def get_readonly_fields(self, request, obj=None):
        return ("code", "name", "introduction") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("题目数"))
    def question_count(self, obj):
        return obj.questions.count()

    @display(description=_("已使用（题目冻结）"), boolean=True)
    def locked(self, obj):
        return obj.is_locked

    @action(description=_("新建版本"), permissions=["surveys.add_surveytemplate"], icon="content_copy")
    def new_version(self, request, object_id):
        from django.contrib import messages

        template = SurveyTemplate.objects.get(pk=object_id)
        try:
            new = services.template_new_version(actor=request.user, template=template)
        except DomainError as exc:
            messages.error(request, admin_views.error_text(exc))
            return redirect("admin:surveys_surveytemplate_change", object_id)
        messages.success(request, _("已创建第%(v)d版，可修改题目；旧版本的答卷保持原样") % {"v": new.version})
        return redirect("admin:surveys_surveytemplate_change", new.pk)

    def save_model(self, request, obj, form, change):
        pass  # saved with its questions in save_related

    def save_formset(self, request, form, formset, change):
        pass

    def save_related(self, request, form, formsets, change):
        rows = [f.cleaned_data for fs in formsets for f in fs.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        questions = [{k: r.get(k) for k in ("dimension", "kind", "text", "options", "required")} for r in rows]
        try:
            if change:
                if form.instance.is_locked:
                    return
                saved = services.template_questions_replace(actor=request.user, template=form.instance,
                                                            questions=questions)
            else:
                saved = services.template_create(actor=request.user, data=form.cleaned_data, questions=questions)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(form.instance, saved)
        for fs in formsets:
            fs.new_objects, fs.changed_objects, fs.deleted_objects = [], [], []


class CampaignForm(forms.ModelForm):
    grades = forms.MultipleChoiceField(label=_("客户等级"), choices=Grade.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Campaign
        fields = ("name", "template", "period_start", "period_end", "channel", "audience", "grades", "tag",
                  "expires_at", "remind_every_days", "remind_limit")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "template" in self.fields:
            self.fields["template"].queryset = SurveyTemplate.objects.filter(is_active=True)
        for name in ("remind_every_days", "remind_limit"):
            if name in self.fields:
                self.fields[name].required = False  # left empty: the model's default


@admin.register(Campaign)
class CampaignAdmin(ServiceAdminMixin, ModelAdmin):
    form = CampaignForm
    list_display = ("name", "template", "period", "channel", "state_label", "invited", "responded", "sent_at")
    list_filter = ("state", "channel")
    search_fields = ("name",)

    def get_queryset(self, request):
        return selectors.campaign_list(user=request.user).annotate(
            invited_count=Count("invitations", distinct=True),
            responded_count=Count("invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True))

    def get_urls(self):
        return admin_views.campaign_urls(self.admin_site) + super().get_urls()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:surveys_campaign_results", object_id)

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("admin:surveys_campaign_results", obj.pk)

    @display(description=_("调查期间"))
    def period(self, obj):
        return f"{obj.period_start} ~ {obj.period_end}"

    @display(description=_("状态"), label=CAMPAIGN_COLOURS)
    def state_label(self, obj):
        return obj.state, obj.get_state_display()

    @display(description=_("邀请数"), ordering="invited_count")
    def invited(self, obj):
        return obj.invited_count

    @display(description=_("已答复"), ordering="responded_count")
    def responded(self, obj):
        return obj.responded_count

    def save_model(self, request, obj, form, change):
        try:
            saved = services.campaign_create(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, saved)


class PlanForm(forms.ModelForm):
    class Meta:
        model = ImprovementPlan
        fields = ("title", "source", "dimension", "campaign", "complaint_code", "problem", "actions", "department",
                  "owner", "deadline")


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ServiceAdminMixin, ModelAdmin):
    form = PlanForm
    list_display = ("title", "dimension", "department", "owner", "deadline", "state_label", "overdue_flag",
                    "scores", "state_link")
    list_filter = ("state", "source", "dimension", "department")
    search_fields = ("title", "problem", "complaint_code")

    def get_queryset(self, request):
        return selectors.plan_list(user=request.user)

    def get_urls(self):
        return admin_views.plan_urls(self.admin_site) + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fixed = ("source", "campaign")
        return fixed if obj.state in PLAN_OPEN_STATES else PlanForm.Meta.fields

    def has_delete_permission(self, request, obj=None):
        return False

    @display(description=_("状态"), label=PLAN_COLOURS)
    def state_label(self, obj):
        return obj.state, obj.get_state_display()

    @display(description=_("逾期"), boolean=True)
    def overdue_flag(self, obj):
        return obj.overdue

    @display(description=_("基线 → 评估"))
    def scores(self, obj):
        return f"{admin_views.pct(obj.baseline_csat)} → {admin_views.pct(obj.review_csat)}"

    @display(description=_("进度与评估"))
    def state_link(self, obj):
        return format_html('<a class="text-primary-600" href="{}">{}</a>',
                           admin_views.reverse("admin:surveys_improvementplan_state", args=[obj.pk]), _("打开"))

    def save_model(self, request, obj, form, change):
        try:
            if change:
                saved = services.plan_update(actor=request.user, plan=obj, data=form.cleaned_data)
            else:
                saved = services.plan_create(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, saved)

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("admin:surveys_improvementplan_state", obj.pk)
