"""Back office of the outbox: what was sent to whom and how each try went, “重新发送”, the message
templates and the webhook endpoints. Every write calls a service."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminURLInputWidget

from depot.core.admin import ReadOnlyAdminMixin, Rejected, ServiceAdminMixin, domain_errors, register_audit_actions
from depot.core.errors import DomainError, NotFound
from depot.core.masking import mask_email
from depot.customers.selectors import can_view_pii
from depot.notifications import selectors, services
from depot.notifications.choices import EVENT_LABELS, EVENT_VARIABLES, Channel, Status, event_label
from depot.notifications.models import DeliveryAttempt, MessageTemplate, Notification, WebhookEndpoint

register_audit_actions({"notification_retry": _("重新发送通知"), "webhook_secret_rotate": _("更换签名密钥")})

STATUS_COLOURS = {Status.PENDING: "info", Status.SENDING: "info", Status.DELIVERED: "success",
                  Status.FAILED: "danger", Status.WITHHELD: "warning"}


class EventFilter(admin.SimpleListFilter):
    title = _("事件")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        events = (model_admin.get_queryset(request).order_by("event").values_list("event", flat=True)
                  .distinct())
        return [(e, event_label(e)) for e in events]

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


class DeliveryAttemptInline(TabularInline):
    model = DeliveryAttempt
    extra = 0
    hide_title = True
    fields = ("number", "at", "outcome", "status_code", "reply", "duration_ms", "error")
    readonly_fields = fields
    ordering = ("at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _recipient_shown(user, notification) -> str:
    if notification.channel == Channel.EMAIL and not can_view_pii(user):
        return mask_email(notification.recipient)
    return notification.recipient


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_filter = ("status", "channel", EventFilter)
    search_fields = ("subject", "customer__name", "customer__code")
    search_help_text = _("按标题、客户名称或客户编码搜索")
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected"]
    actions_detail = ["retry_detail"]

    def get_queryset(self, request):
        return selectors.notification_list(user=request.user).select_related("customer", "content_type")

    def get_list_display(self, request):
        viewer = request.user

        @display(description=_("接收方"))
        def recipient(notification):
            return _recipient_shown(viewer, notification)

        return ("id", "created_at", "event_name", "channel", recipient, "customer", "status_label",
                "attempts", "next_attempt_at", "delivered_at")

    def get_fieldsets(self, request, obj=None):
        # The admin object is shared by concurrent requests: who is looking travels in a closure.
        if not hasattr(request, "depot_recipient_field"):
            @display(description=_("接收方"))
            def recipient_display(notification):
                return _recipient_shown(request.user, notification)

            request.depot_recipient_field = recipient_display
        return [
            (None, {"fields": ["event_name", "channel", request.depot_recipient_field, "customer",
                               "related_display", "status", "attempts", "next_attempt_at",
                               "delivered_at", "last_error", "created_at"]}),
            (_("内容"), {"fields": ["subject", "body", "payload", "template_code", "context"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [f for _title, opts in self.get_fieldsets(request, obj) for f in opts["fields"]]

    @display(description=_("事件"), ordering="event")
    def event_name(self, notification):
        return event_label(notification.event)

    @display(description=_("状态"), ordering="status", label=STATUS_COLOURS)
    def status_label(self, notification):
        return notification.status, notification.get_status_display()

    @display(description=_("关联对象"))
    def related_display(self, notification):
        if not notification.content_type_id:
            return "—"
        return f"{notification.content_type.name} #{notification.object_id}"

    def has_retry_permission(self, request, obj=None):
        return request.user.has_perm("notifications.retry_notification")

    @action(description=_("重新发送"), permissions=["retry"])
    def retry_selected(self, request, queryset):
        done, refused = 0, []
        for notification in queryset.order_by("pk"):
            try:
                services.notification_retry(actor=request.user, notification=notification)
                done += 1
            except DomainError as exc:
                refused.append(f"#{notification.pk}：{exc.message}")
        if done:
            messages.success(request, _("已安排重新发送 %(count)s 条通知") % {"count": done})
        for line in refused:
            messages.warning(request, line)

    @action(description=_("重新发送"), url_path="retry", icon="send", permissions=["retry"])
    def retry_detail(self, request, object_id):
        try:
            notification = selectors.notification_get(user=request.user, pk=object_id)
        except NotFound:
            raise Http404 from None
        change_url = reverse("admin:notifications_notification_change", args=[notification.pk])
        if request.method == "POST":
            try:
                services.notification_retry(actor=request.user, notification=notification)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已安排重新发送，稍后刷新查看结果"))
            return redirect(change_url)
        return TemplateResponse(request, "core/admin/confirm.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": notification,
            "title": _("重新发送通知"), "back_url": change_url, "submit_label": _("重新发送"),
            "message": _("将立即再次尝试发送这条通知（%(event)s → %(recipient)s）。") % {
                "event": event_label(notification.event),
                "recipient": _recipient_shown(request.user, notification)},
        })


# ---------------------------------------------------------------------------------------------
# Message templates


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "channel", "name", "subject_template", "body_template", "active"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceAdminMixin, ModelAdmin):
    form = MessageTemplateForm
    list_display = ("code", "event_name", "channel", "name", "active", "updated_at")
    list_filter = ("channel", "active")
    search_fields = ("code", "name")
    help_text = _(
        "使用 Django 模板语法，如 {{ order_no }}、{% for item in missing %}…{% endfor %}。"
        "所有邮件模板都可使用 customer_name（客户名称）和 contact_name（联系人）。"
        "模板出错时该通知记为发送失败并按计划重试，修正模板后会自动发出。"
    )

    def get_fieldsets(self, request, obj=None):
        fields = ["code", "channel", "name", "subject_template", "body_template", "active"]
        if obj is not None:
            fields.insert(2, "variables")
        return [(None, {"fields": fields, "description": self.help_text})]

    def get_readonly_fields(self, request, obj=None):
        return ("code", "channel", "variables") if obj is not None else ()

    @display(description=_("可用变量"))
    def variables(self, template):
        return EVENT_VARIABLES.get(template.code, "—")

    @display(description=_("事件"))
    def event_name(self, template):
        return event_label(template.code)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in MessageTemplateForm.Meta.fields if f in form.cleaned_data}
        try:
            template = services.message_template_save(actor=request.user, data=data,
                                                      template=obj if change else None)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, template)


# ---------------------------------------------------------------------------------------------
# Webhook endpoints


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https",
                         widget=UnfoldAdminURLInputWidget)
    events = forms.MultipleChoiceField(
        label=_("订阅事件"), choices=list(EVENT_LABELS.items()),
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "owner", "events", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdminMixin, ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("__str__", "url", "owner", "event_names", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")
    autocomplete_fields = ("owner",)
    actions_detail = ["rotate_secret"]
    readonly_fields = ("secret_note",)
    fields = ("name", "url", "owner", "events", "active", "secret_note")

    @display(description=_("订阅事件"))
    def event_names(self, endpoint):
        return "、".join(str(event_label(e)) for e in endpoint.events) or "—"

    @display(description=_("签名密钥"))
    def secret_note(self, endpoint):
        if endpoint is None or not endpoint.pk:
            return _("保存后生成，仅显示一次")
        return _("已设置（只在生成时显示一次；遗失请使用“更换密钥”）")

    def has_delete_permission(self, request, obj=None):
        return False

    def has_rotate_permission(self, request, obj=None):
        return request.user.has_perm("notifications.change_webhookendpoint")

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in WebhookEndpointForm.Meta.fields if f in form.cleaned_data}
        try:
            if change:
                endpoint = services.webhook_endpoint_update(actor=request.user, endpoint=obj, data=data)
            else:
                endpoint, request.depot_new_secret = services.webhook_endpoint_create(actor=request.user,
                                                                                      data=data)
        except DomainError as exc:
            raise Rejected(domain_errors(exc, form)) from exc
        self.adopt(obj, endpoint)

    def response_add(self, request, obj, post_url_continue=None):
        secret = getattr(request, "depot_new_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_page(request, obj, secret)

    def _secret_page(self, request, endpoint, secret):
        return TemplateResponse(request, "notifications/admin/secret.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": endpoint,
            "title": _("签名密钥"), "secret": secret,
            "back_url": reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]),
        })

    @action(description=_("更换密钥"), url_path="rotate-secret", icon="key", permissions=["rotate"])
    def rotate_secret(self, request, object_id):
        endpoint = WebhookEndpoint.objects.filter(pk=object_id).first()
        if endpoint is None:
            raise Http404
        back_url = reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk])
        if request.method == "POST":
            try:
                endpoint, secret = services.webhook_endpoint_rotate_secret(actor=request.user,
                                                                           endpoint=endpoint)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect(back_url)
            return self._secret_page(request, endpoint, secret)
        return TemplateResponse(request, "core/admin/confirm.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "original": endpoint,
            "title": _("更换签名密钥"), "back_url": back_url, "submit_label": _("更换密钥"),
            "message": format_html(
                "{}<br>{}", _("将生成新的签名密钥，旧密钥立即失效。"),
                _("请在接收方同步更新密钥，否则之后的通知将无法通过签名校验。")),
        })
