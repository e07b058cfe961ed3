"""Sequences for order numbers: nextval() is safe under concurrency and never hands out a number twice."""

from django.db import migrations

SEQUENCES = ("orders_outbound_number_seq", "orders_inbound_number_seq", "orders_picklist_number_seq")


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=[f"CREATE SEQUENCE IF NOT EXISTS {name}" for name in SEQUENCES],
            reverse_sql=[f"DROP SEQUENCE IF EXISTS {name}" for name in SEQUENCES],
        ),
    ]
