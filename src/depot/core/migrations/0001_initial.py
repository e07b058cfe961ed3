import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="时间")),
                ("actor_label", models.CharField(blank=True, max_length=150, verbose_name="操作人名称")),
                ("object_id", models.CharField(max_length=64, verbose_name="对象编号")),
                ("object_repr", models.CharField(max_length=200, verbose_name="对象")),
                ("action", models.CharField(max_length=40, verbose_name="动作")),
                ("changes", models.JSONField(blank=True, default=dict, verbose_name="变更内容")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                ("prev_hash", models.CharField(blank=True, max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="操作人")),
                ("content_type", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                   to="contenttypes.contenttype", verbose_name="对象类型")),
            ],
            options={
                "verbose_name": "变更记录",
                "verbose_name_plural": "变更历史",
                "ordering": ["-at", "-id"],
                "indexes": [models.Index(fields=["content_type", "object_id", "id"], name="audit_object_idx")],
            },
        ),
        migrations.RunSQL(
            sql="""
            CREATE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER core_auditentry_append_only
                BEFORE UPDATE OR DELETE ON core_auditentry
                FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
            """,
            reverse_sql="""
            DROP TRIGGER core_auditentry_append_only ON core_auditentry;
            DROP FUNCTION core_auditentry_append_only();
            """,
        ),
    ]
