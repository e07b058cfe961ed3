"""Writes that come out of the analysis: storing an owner's ABC classes on the items (cycle counts
by ABC class use them) and the replenishment settings behind safety stock and EOQ."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.selectors import customer_get
from depot.inventory.models import Item, ReplenishmentSettings

SETTINGS_FIELDS = ("order_cost", "holding_cost_rate", "service_level", "default_lead_time_days")


@transaction.atomic
def abc_classification_apply(*, actor, owner, since: datetime.date, until: datetime.date) -> dict[str, int]:
    """Store on each of the owner's items the ABC class of `selectors_analysis.abc_analysis` for
    the period (items that did not ship are C). Refused with nothing changed when nothing of the
    owner shipped in the period. Locks the owner's items; one audit entry per item whose class
    changed. Returns the number of items per class."""
    from depot.inventory.selectors_analysis import abc_analysis

    require_perm(actor, "inventory.classify_abc")
    owner = customer_get(user=actor, pk=owner.pk)
    result = abc_analysis(user=actor, owner=owner, since=since, until=until)
    if not result.has_data:
        message = _("%(owner)s在%(since)s至%(until)s期间没有出库记录，无法进行ABC分类") % {
            "owner": owner, "since": since.isoformat(), "until": until.isoformat()}
        raise ValidationFailed(details={"__all__": [message]})
    classes = {row.item.pk: row.abc_class for row in result.rows}
    counts = {"A": 0, "B": 0, "C": 0}
    for item in Item.objects.select_for_update().filter(owner=owner).order_by("pk"):
        new = classes.get(item.pk, "C")
        counts[new] += 1
        if item.abc_class == new:
            continue
        before = snapshot(item, ("abc_class",))
        item.abc_class = new
        item.save(update_fields=["abc_class", "updated_at"])
        audit_record(actor=actor, obj=item, action=ACTION_UPDATE, before=before, after={"abc_class": new},
                     note=_("按%(since)s至%(until)s出库货值分类") % {"since": since.isoformat(),
                                                           "until": until.isoformat()})
    return counts


@transaction.atomic
def replenishment_settings_save(*, actor, owner=None, data: dict) -> ReplenishmentSettings:
    """Create or change the replenishment settings of `owner` (None: the global defaults). Audited."""
    require_perm(actor, "inventory.change_replenishmentsettings")
    if owner is not None:
        owner = customer_get(user=actor, pk=owner.pk)
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(details={f: [_("不能在此设置该字段")] for f in sorted(unknown)})
    row = ReplenishmentSettings.objects.select_for_update().filter(owner=owner).first()
    created = row is None
    if created:
        row = ReplenishmentSettings(owner=owner)
    before = None if created else snapshot(row, SETTINGS_FIELDS)
    for name, value in data.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.updated_at = timezone.now()
    try:
        row.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from None
    row.save()
    audit_record(actor=actor, obj=row, action=ACTION_CREATE if created else ACTION_UPDATE, before=before,
                 after=snapshot(row, ("owner",) + SETTINGS_FIELDS))
    return row


def reorder_alerts_scan(*, now=None) -> list[Item]:
    """Tell each cargo owner (event "stock.below_reorder_point", through the notifications outbox)
    about its active items whose available stock (on hand − reserved) has fallen below their
    reorder point since the last scan; forget the items that have recovered, so that the next fall
    is told again. Run by a periodic job; returns the items newly below."""
    from django.apps import apps
    from django.db.models import F, Sum
    from django.db.models.functions import Coalesce

    from depot.inventory.models import ReorderAlert

    now = now or timezone.now()
    with transaction.atomic():
        below = {
            item.pk: item for item in
            Item.objects.filter(is_active=True, reorder_point__gt=0)
            .annotate(on_hand=Coalesce(Sum("balances__on_hand"), 0), reserved=Coalesce(Sum("balances__reserved"), 0))
            .annotate(available=F("on_hand") - F("reserved")).filter(available__lt=F("reorder_point"))
            .select_related("owner")
        }
        ReorderAlert.objects.exclude(item_id__in=list(below)).delete()
        known = set(ReorderAlert.objects.filter(item_id__in=list(below)).values_list("item_id", flat=True))
        new = [item for pk, item in sorted(below.items()) if pk not in known]
        ReorderAlert.objects.bulk_create(
            [ReorderAlert(item=item, below_since=now, available=item.available, reorder_point=item.reorder_point)
             for item in new], ignore_conflicts=True)
        if apps.is_installed("depot.notifications"):
            from depot.notifications.services import notification_publish

            for item in new:
                data = {"item_code": item.code, "item_name": item.name, "available": item.available,
                        "reorder_point": item.reorder_point}
                notification_publish(event="stock.below_reorder_point", customer=item.owner, related=item,
                                     context=data, payload=data)
    return new
