"""Small database helpers shared by the apps."""

from django.db import connection


def analyze(*models) -> None:
    """Refresh the planner's statistics of the tables of `models`.

    For long bulk loads inside one transaction (demo data, the benchmark's generator): the planner
    otherwise keeps the statistics of the then-empty tables and picks plans that grow quadratically.
    ANALYZE in a transaction counts the rows that transaction inserted.
    """
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {names}")
