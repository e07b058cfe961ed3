from decimal import Decimal

import pytest

from depot.kpi import policy, selectors, services
from depot.kpi.choices import ServiceKpi
from tests.kpi.conftest import OCTOBER

pytestmark = pytest.mark.usefixtures("incidents_and_complaints", "counts_and_inbound", "survey_answers")


def kpis(user, **kw):
    return {k.code: k for k in selectors.service_kpis(user=user, period=OCTOBER, **kw)}


def test_every_service_kpi_matches_the_hand_computed_october(october):
    k = kpis(october.supervisor)
    # due in October and shipped or overdue: O1..O6 → on time O1, O3, O4, O5
    assert (k[ServiceKpi.ON_TIME_SHIPMENT].value, k[ServiceKpi.ON_TIME_SHIPMENT].numerator,
            k[ServiceKpi.ON_TIME_SHIPMENT].denominator) == (Decimal("66.7"), 4, 6)
    # lines of O1..O5: 7, of which shipped complete 6
    assert (k[ServiceKpi.FILL_RATE].value, k[ServiceKpi.FILL_RATE].numerator) == (Decimal("85.7"), 6)
    assert k[ServiceKpi.DAMAGE_FREE].value == Decimal("80.0")
    assert k[ServiceKpi.DOC_ACCURACY].value == Decimal("80.0")
    # only O1 is on time, complete, damage-free and accurate: 1 of 5 (not 0.8⁴ = 41 %)
    assert (k[ServiceKpi.PERFECT_ORDER].value, k[ServiceKpi.PERFECT_ORDER].numerator) == (Decimal("20.0"), 1)
    assert k[ServiceKpi.INVENTORY_ACCURACY].value == Decimal("75.0")  # 3 of 4 count lines agree
    assert k[ServiceKpi.DOCK_TO_STOCK].value == Decimal("5.0")  # (4 h + 6 h) / 2
    assert k[ServiceKpi.COMPLAINT_FIRST_RESPONSE].value == Decimal("4.0")  # (2 h + 6 h) / 2
    assert k[ServiceKpi.COMPLAINT_RESOLUTION].value == Decimal("36.0")  # (24 h + 48 h) / 2
    assert k[ServiceKpi.CSAT].value == Decimal("50.0")
    assert k[ServiceKpi.NPS].value == Decimal("0.0")


def test_kpis_per_customer_use_only_that_customers_records(october):
    a = kpis(october.supervisor, customers=[october.a])
    assert a[ServiceKpi.ON_TIME_SHIPMENT].value == Decimal("33.3")  # O1 of O1, O2, O6
    assert a[ServiceKpi.PERFECT_ORDER].value == Decimal("50.0")  # O1 of O1, O2
    assert a[ServiceKpi.CSAT].value == Decimal("100.0")
    b = kpis(october.supervisor, customers=[october.b])
    assert b[ServiceKpi.FILL_RATE].value == Decimal("75.0")  # 3 of 4 lines
    assert b[ServiceKpi.INVENTORY_ACCURACY].value is None
    assert b[ServiceKpi.NPS].value == Decimal("-100.0")


def test_a_month_without_data_shows_no_data_never_zero_or_hundred(october):
    empty = {k.code: k for k in selectors.service_kpis(user=october.supervisor, period=policy.month_period(2026, 7))}
    assert all(k.value is None for k in empty.values())
    assert all(k.reason for k in empty.values())
    assert empty[ServiceKpi.ON_TIME_SHIPMENT].display() == "暂无数据"


def test_a_supervisor_sets_targets_and_the_page_compares_actual_with_target(october):
    services.kpi_target_set(actor=october.supervisor, code=ServiceKpi.ON_TIME_SHIPMENT, target="95")
    services.kpi_target_set(actor=october.supervisor, code=ServiceKpi.DOCK_TO_STOCK, target="6")
    k = kpis(october.supervisor)
    assert k[ServiceKpi.ON_TIME_SHIPMENT].target == Decimal("95") and k[ServiceKpi.ON_TIME_SHIPMENT].met is False
    assert k[ServiceKpi.DOCK_TO_STOCK].met is True  # 5 h is within 6 h: less is better


def test_a_target_out_of_range_is_refused(october):
    from depot.core.errors import PermissionDenied, ValidationFailed
    from depot.kpi.models import KpiTarget

    with pytest.raises(ValidationFailed):
        services.kpi_target_set(actor=october.supervisor, code=ServiceKpi.FILL_RATE, target="120")
    with pytest.raises(ValidationFailed):
        services.kpi_target_set(actor=october.supervisor, code=ServiceKpi.FILL_RATE, target="abc")
    with pytest.raises(PermissionDenied):
        services.kpi_target_set(actor=october.specialist, code=ServiceKpi.FILL_RATE, target="95")
    assert not KpiTarget.objects.exists()
