"""Back office: the log of CRM sync runs and the links of Depot records to CRM records (read only;
the sync itself is `depot crm-sync`)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from depot.crm.models import ExternalLink, SyncRun, SyncRunEntry


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SyncRunEntryInline(ReadOnly, TabularInline):
    model = SyncRunEntry
    extra = 0
    hide_title = True
    fields = ("at", "object", "depot_code", "customer", "outcome", "external_id", "message")
    readonly_fields = fields


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnly, ModelAdmin):
    list_display = ("started_at", "connector", "dry_run", "status", "sent", "unchanged", "withheld", "failed")
    list_filter = ("connector", "status", "dry_run")
    readonly_fields = ("connector", "dry_run", "since", "started_at", "finished_at", "status", "sent",
                       "unchanged", "withheld", "failed", "message")
    fields = readonly_fields
    inlines = [SyncRunEntryInline]


@admin.register(ExternalLink)
class ExternalLinkAdmin(ReadOnly, ModelAdmin):
    list_display = ("depot_code", "object", "connector", "external_id", "state", "synced_at")
    list_filter = ("connector", "object", "state")
    search_fields = ("depot_code", "external_id")
    readonly_fields = ("connector", "object", "local_id", "depot_code", "customer", "external_id", "state",
                       "digest", "last_error", "synced_at", "updated_at")
    fields = readonly_fields
    verbose_name = _("CRM记录对应")
