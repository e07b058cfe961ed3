"""Jobs of the outbox. Thin: each calls a service. The worker finds them by their names."""

from procrastinate.contrib.django import app

from depot.notifications import services


@app.task(name="notifications.deliver", queue="notifications")
def deliver_notification(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


@app.periodic(cron="* * * * *")
@app.task(name="notifications.sweep", queue="notifications", queueing_lock="notifications.sweep")
def sweep_notifications(timestamp: int) -> None:
    services.notifications_sweep()
