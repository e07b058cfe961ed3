from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="""
            CREATE FUNCTION inventory_stockmove_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the stock ledger is append-only (% refused): correct a move with a reversing move',
                    TG_OP;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER inventory_stockmove_append_only
                BEFORE UPDATE OR DELETE ON inventory_stockmove
                FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_append_only();
            """,
            reverse_sql="""
            DROP TRIGGER inventory_stockmove_append_only ON inventory_stockmove;
            DROP FUNCTION inventory_stockmove_append_only();
            """,
        ),
    ]
