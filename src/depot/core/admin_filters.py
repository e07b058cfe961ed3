"""List filters for the long lists of the back office."""

import datetime

from django.contrib.admin import AllValuesFieldListFilter, RelatedFieldListFilter
from django.utils import timezone
from unfold.contrib.filters.admin import RangeDateFilter

from depot.core.db import distinct_values


class DayRangeFilter(RangeDateFilter):
    """From one day to another, both included, on a date-time field: the from-day's local midnight
    up to the midnight after the to-day, so that the field's index answers it. Instead of a date
    hierarchy, whose year and month links read every row of the table."""

    def queryset(self, request, queryset):
        bounds = {}
        for suffix, lookup, shift in (("_from", "gte", 0), ("_to", "lt", 1)):
            value = self.used_parameters.get(self.parameter_name + suffix)
            if not value:
                continue
            try:
                day = datetime.date.fromisoformat(str(value))
            except ValueError:
                return queryset.none()
            midnight = datetime.datetime.combine(day + datetime.timedelta(days=shift), datetime.time())
            bounds[f"{self.parameter_name}__{lookup}"] = timezone.make_aware(midnight)
        return queryset.filter(**bounds)


class IndexedRelatedOnlyFilter(RelatedFieldListFilter):
    """`RelatedOnlyFieldListFilter` for a long table: the related objects that occur in the column,
    found by a loose scan of an index that starts with the column (see `distinct_values`)."""

    def field_choices(self, field, request, model_admin):
        ids = distinct_values(field.model, field.name)
        return field.get_choices(include_blank=False, limit_choices_to={"pk__in": ids},
                                 ordering=self.field_admin_ordering(field, request, model_admin))


class IndexedValuesFilter(AllValuesFieldListFilter):
    """`AllValuesFieldListFilter` for a long table: the column's values found by a loose scan of an
    index that starts with the column, over the whole table (the values are kinds and codes, not
    customers' data)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = distinct_values(model, field_path)
