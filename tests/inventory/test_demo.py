import datetime

from django.utils import timezone

from depot.inventory import selectors, selectors_analysis, selectors_custody
from depot.inventory.checks import stock_problems
from depot.inventory.choices import AlertKind, AlertState, HazardClass, MoveKind, TemperatureClass
from depot.inventory.demo import inventory_demo_load
from depot.inventory.models import Count, EnvironmentAlert, Item, Lot, StockMove, Zone


def test_the_demo_loads_warehouses_months_of_history_and_custody_records(admin_user, make_customer,
                                                                                 supervisor, keeper):
    customers = [make_customer(admin_user) for _ in range(5)]
    counts = inventory_demo_load(actor=supervisor, customers=customers)

    assert counts["warehouses"] == 2
    assert 180 <= counts["locations"] <= 240
    assert counts["items"] >= 20 and counts["moves"] > 300 and counts["open_reservations"] > 0
    assert set(Zone.objects.values_list("temperature_class", flat=True)) == set(TemperatureClass.values)
    assert Zone.objects.exclude(hazard_class="").exists()
    assert Item.objects.filter(hazard_class=HazardClass.FLAMMABLE_LIQUID).exists()
    assert set(StockMove.objects.values_list("kind", flat=True)) >= {
        MoveKind.RECEIPT, MoveKind.PUTAWAY, MoveKind.PICK, MoveKind.SHIPMENT, MoveKind.ADJUSTMENT}
    oldest = StockMove.objects.order_by("at").first().at
    assert (datetime.datetime.now(datetime.UTC) - oldest).days >= 90
    assert selectors.stock_expiring(user=supervisor, within_days=30).exists()
    assert Lot.objects.filter(expiry_date__isnull=False, production_date__isnull=False).exists()
    assert stock_problems() == []
    assert set(StockMove.objects.filter(kind=MoveKind.RECEIPT).values_list("actor", flat=True)) == {keeper.pk}
    assert set(StockMove.objects.filter(kind=MoveKind.ADJUSTMENT).values_list("actor", flat=True)) == {supervisor.pk}

    # the analysis and custody pages have something to show
    since, until = selectors_analysis.period(90)
    splits = [{r.abc_class for r in selectors_analysis.abc_analysis(user=supervisor, owner=c, since=since,
                                                                     until=until).rows} for c in customers]
    assert {"A", "B", "C"} in splits
    assert Item.objects.filter(abc_class="A").exists() and Count.objects.filter(abc_class="A").exists()
    assert selectors_analysis.slow_moving(user=supervisor).exists()
    assert selectors_analysis.near_expiry(user=supervisor).filter(expiry_date__gte=timezone.localdate()).exists()
    assert [p.title for p in selectors_custody.inspection_plans_due(user=supervisor) if p.overdue] == ["危险品库周检"]
    week_ago = timezone.now() - datetime.timedelta(days=7)
    assert all(zone.readings.filter(measured_at__gte=week_ago).count() >= 25 for zone in Zone.objects.all())
    alerts = EnvironmentAlert.objects.all()
    assert [(a.kind, a.state) for a in alerts.filter(state=AlertState.OPEN)] == [(AlertKind.TOO_HOT, AlertState.OPEN)]
    assert selectors_custody.alert_affected_stock(user=supervisor, alert=alerts.get(state=AlertState.OPEN))

    assert inventory_demo_load(actor=supervisor, customers=customers) == counts

