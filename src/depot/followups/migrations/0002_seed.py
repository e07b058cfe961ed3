from django.db import migrations

CADENCE = {"VIP": 1, "A": 3, "B": 6, "C": 12}
FESTIVALS = [
    ("元旦", "solar", 1, 1, 2, "{contact}您好！新年伊始，{company}感谢您一年来的信任与支持，祝您元旦快乐、万事顺意！"),
    ("春节", "lunar", 1, 1, 5, "{contact}您好！值此新春佳节，{company}全体同仁给您拜年，祝您阖家幸福、生意兴隆！"),
    ("端午节", "lunar", 5, 5, 3, "{contact}您好！端午安康！感谢您对{company}的支持，祝您工作顺利、身体健康。"),
    ("中秋节", "lunar", 8, 15, 5, "{contact}您好！月圆人团圆，{company}祝您和家人中秋快乐、阖家幸福！"),
    ("国庆节", "solar", 10, 1, 3, "{contact}您好！国庆将至，{company}祝您节日愉快！假期仓库值班安排如有需要请随时联系我们。"),
]


def seed(apps, schema_editor):
    CadenceRule = apps.get_model("followups", "CadenceRule")
    Festival = apps.get_model("followups", "Festival")
    CareSettings = apps.get_model("followups", "CareSettings")
    for grade, months in CADENCE.items():
        CadenceRule.objects.get_or_create(grade=grade, defaults={"interval_months": months})
    for name, kind, month, day, lead, message in FESTIVALS:
        Festival.objects.get_or_create(
            name=name, defaults={"calendar": kind, "month": month, "day": day, "lead_days": lead, "message": message})
    CareSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
