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


def update_rows(model, objs, fields) -> None:
    """Write `fields` of the model instances `objs` in one `UPDATE … FROM (VALUES …)`: what
    `QuerySet.bulk_update` does, without building a CASE expression per row and field (which costs
    more CPU than the statement itself). Like `bulk_update`, no `save()`, signals or `auto_now`."""
    objs = list(objs)
    if not objs:
        return
    quote = connection.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params = []
    for obj in objs:
        params.append(obj.pk)
        params.extend(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(connection)}" for f in columns)
    names = ", ".join(["pk", *(quote(f.column) for f in columns)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM (VALUES {', '.join([row] * len(objs))}) "
            f"AS v({names}) WHERE t.{quote(meta.pk.column)} = v.pk::{meta.pk.db_type(connection)}",
            params)


def distinct_values(model, field_name: str) -> list:
    """The distinct non-null values of one column, smallest first, found by stepping through an
    index that starts with that column (one index probe per value: a "loose index scan"), not by
    reading the whole table as `SELECT DISTINCT` does. For the filters of long lists, whose few
    values would otherwise cost a pass over millions of rows."""
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(model._meta.get_field(field_name).column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE v(x) AS (SELECT MIN({column}) FROM {table}"
            f" UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL)"
            " SELECT x FROM v WHERE x IS NOT NULL")
        return [row[0] for row in cursor.fetchall()]
