"""Back office of the shared kernel: the audit trail, users and roles, the landing page, and the
plumbing that lets an admin form save through a service and show the service's errors."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from depot.core.admin_filters import DayRangeFilter, IndexedRelatedOnlyFilter
from depot.core.db import distinct_values
from depot.core.errors import DomainError, ValidationFailed
from depot.core.models import AuditEntry
from depot.core.roles import ROLE_LABELS

admin.site.index_template = "core/admin/index.html"
admin.site.index_title = _("工作台")
admin.site.site_title = _("Depot 仓储客户服务")
admin.site.site_header = _("Depot 仓储客户服务")

# ---------------------------------------------------------------------------------------------
# Names of audit actions; each app registers the actions its services record.

AUDIT_ACTION_LABELS = {"create": _("创建"), "update": _("修改"), "delete": _("删除")}


def register_audit_actions(labels: dict) -> None:
    AUDIT_ACTION_LABELS.update(labels)


def audit_action_label(action: str):
    return AUDIT_ACTION_LABELS.get(action, action)


# ---------------------------------------------------------------------------------------------
# Service errors on admin forms.


class Rejected(Exception):
    """A service refused a save. The admin's transaction has rolled back; the messages go back on
    the form (`form_errors`, None for the whole form) and on inline forms (by form prefix)."""

    def __init__(self, form_errors: dict | None = None, inline_errors: dict | None = None):
        self.form_errors = form_errors or {}
        self.inline_errors = inline_errors or {}
        super().__init__(self.form_errors, self.inline_errors)


def _field_label(model, name: str):
    try:
        return model._meta.get_field(name).verbose_name
    except (AttributeError, FieldDoesNotExist):
        return name


def field_errors(details: dict, form) -> dict:
    """Messages by the field of `form` they concern; those of other fields go to the whole form
    (key None), labelled with the field's name."""
    errors: dict = {}
    for field, msgs in details.items():
        if field in form.fields:
            errors.setdefault(field, []).extend(msgs)
        elif field == "__all__":
            errors.setdefault(None, []).extend(msgs)
        else:
            label = _field_label(getattr(getattr(form, "_meta", None), "model", None), field)
            errors.setdefault(None, []).extend(format_html("{}：{}", label, m) for m in msgs)
    return errors


def domain_errors(exc: DomainError, form, details: dict | None = None) -> dict:
    """As `field_errors`, plus the error's own message when its details do not say it all."""
    errors = field_errors(exc.details if details is None else details, form)
    if not isinstance(exc, ValidationFailed) or not errors:
        general = errors.setdefault(None, [])
        if str(exc.message) not in [str(m) for m in general]:
            general.insert(0, exc.message)
    return errors


def add_domain_errors(form, exc: DomainError) -> None:
    for field, msgs in domain_errors(exc, form).items():
        form.add_error(field, msgs)


def _form_with_errors(form_class, errors: dict):
    class RejectedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            for field, msgs in errors.items():
                self.add_error(field, msgs)
            return cleaned

    return RejectedForm


def _formset_with_errors(formset_class, errors_by_prefix: dict):
    class RejectedFormSet(formset_class):
        def clean(self):
            super().clean()
            for form in self.forms:
                for field, msgs in errors_by_prefix.get(form.prefix, {}).items():
                    form.add_error(field if field in form.fields else None, msgs)

    return RejectedFormSet


class ReadOnlyAdminMixin:
    """Records kept by the system (ledgers, logs, computed results): nobody adds, changes or deletes
    them in the back office."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceAdminMixin:
    """For a ModelAdmin whose save_model / save_related / save_formset call services and raise
    `Rejected` when a service refuses: the form is then shown again, nothing saved, with the
    service's messages on the fields they concern."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Rejected as rejected:
            # The first pass's transaction has rolled back; build the page again from the same POST,
            # this time with the service's messages as validation errors, so nothing is saved.
            request.depot_rejected = rejected
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        rejected = getattr(request, "depot_rejected", None)
        return _form_with_errors(form, rejected.form_errors) if rejected else form

    def get_formsets_with_inlines(self, request, obj=None):
        rejected = getattr(request, "depot_rejected", None)
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            yield (_formset_with_errors(formset, rejected.inline_errors) if rejected else formset), inline

    @staticmethod
    def adopt(obj, saved) -> None:
        """Copy what the service saved onto the admin's object, which the admin goes on using."""
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False


# ---------------------------------------------------------------------------------------------
# The audit trail, read only.


class AuditActionFilter(admin.SimpleListFilter):
    title = _("动作")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = distinct_values(AuditEntry, "action")
        return [(a, audit_action_label(a)) for a in actions]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, ModelAdmin):
    show_full_result_count = False  # a long table: no second COUNT over all of it
    list_display = ("at", "actor_label", "content_type", "object_repr", "action_label", "note")
    list_filter = (("at", DayRangeFilter), AuditActionFilter, ("content_type", IndexedRelatedOnlyFilter),
                   ("actor", IndexedRelatedOnlyFilter))
    list_filter_submit = True
    list_select_related = ("content_type",)
    search_fields = ("object_repr",)
    search_help_text = _("按对象名称搜索")
    fields = ("at", "actor_label", "content_type", "object_id", "object_repr", "action_label",
              "changes_table", "note", "hash")
    readonly_fields = fields

    @display(description=_("动作"), ordering="action")
    def action_label(self, entry):
        return audit_action_label(entry.action)

    @display(description=_("变更内容"))
    def changes_table(self, entry):
        model = entry.content_type.model_class()
        return format_html_join(
            "", "<div>{}：{} → {}</div>",
            ((_field_label(model, name), old, new) for name, (old, new) in entry.changes.items()),
        ) or "—"


# ---------------------------------------------------------------------------------------------
# Users and roles, in Unfold's look.

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("username", "first_name", "email", "roles", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_staff")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @display(description=_("角色"))
    def roles(self, user):
        return "、".join(str(ROLE_LABELS.get(g.name, g.name)) for g in user.groups.all()) or "—"


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    list_display = ("name", "role_label")

    @display(description=_("角色"))
    def role_label(self, group):
        return ROLE_LABELS.get(group.name, "—")


# ---------------------------------------------------------------------------------------------
# Login throttling: failure counts, lockouts and login records (django-axes).

from depot.core import admin_axes  # noqa: E402, F401
