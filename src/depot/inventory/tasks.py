"""Jobs of the inventory app, run by `depot worker`."""

from procrastinate.contrib.django import app

from depot.inventory.services.analysis import reorder_alerts_scan

REORDER_SCAN_MINUTES = 10


@app.periodic(cron=f"*/{REORDER_SCAN_MINUTES} * * * *")
@app.task(name="inventory.scan_reorder_points", queue="inventory", queueing_lock="inventory.scan_reorder_points")
def scan_reorder_points(timestamp: int) -> None:
    reorder_alerts_scan()
