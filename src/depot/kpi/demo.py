"""Demo KPIs: targets for every service KPI, the appraisal weights, appraisals of the last two
months for every CS specialist and the keeper (computed from the demo orders, complaints,
follow-ups and surveys), and a training programme with sessions, attendees and results."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from depot.core import roles
from depot.kpi import services
from depot.kpi.choices import DEFAULT_WEIGHTS, CourseCategory, PeriodKind, ServiceKpi, TrainingResult
from depot.kpi.models import Appraisal, Course, KpiTarget, TrainingRecord

TARGETS = {
    ServiceKpi.ON_TIME_SHIPMENT: "95", ServiceKpi.FILL_RATE: "98", ServiceKpi.DAMAGE_FREE: "99.5",
    ServiceKpi.DOC_ACCURACY: "99", ServiceKpi.PERFECT_ORDER: "92", ServiceKpi.INVENTORY_ACCURACY: "99",
    ServiceKpi.DOCK_TO_STOCK: "24", ServiceKpi.COMPLAINT_FIRST_RESPONSE: "4", ServiceKpi.COMPLAINT_RESOLUTION: "72",
    ServiceKpi.CSAT: "85", ServiceKpi.NPS: "30",
}
COURSES = [
    ("仓储作业流程与WMS操作", CourseCategory.PROCESS, "6", "收货、上架、拣货、包装、发货标准作业与系统操作。"),
    ("食品与冷链货物知识", CourseCategory.GOODS, "4", "常温/冷藏/冷冻货物的储存要求，保质期与先进先出、近效期先出。"),
    ("客户沟通技巧", CourseCategory.COMMUNICATION, "3", "倾听、复述确认、专业用语；微信与电话沟通规范。"),
    ("投诉与异常处理", CourseCategory.PROBLEM, "4", "投诉分级、时限、根因分析与纠正措施；货损货丢现场处理。"),
]
COMMENTS = {"excellent": "响应及时，客户评价高，继续保持", "good": "整体良好，回访及时性需加强",
            "pass": "按时处理率偏低，下月重点跟进滞留订单", "improve": "多项指标未达标，安排辅导与培训"}


def kpi_demo_load(*, actor, customers) -> str:
    if Appraisal.objects.exists() or KpiTarget.objects.exists():
        return _summary()
    rng = random.Random(20261101)
    for code, target in TARGETS.items():
        services.kpi_target_set(actor=actor, code=code, target=target)
    services.appraisal_weights_set(actor=actor, weights=dict(DEFAULT_WEIGHTS))
    users = get_user_model().objects.filter(is_active=True)
    staff = list(users.filter(groups__name__in=[roles.CS_SPECIALIST, roles.WAREHOUSE_KEEPER]).distinct()
                 .order_by("username"))
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    before = last.replace(day=1) - datetime.timedelta(days=1)
    for month in (before, last):
        for person in staff:
            attitude = rng.choice([78, 82, 85, 88, 90, 92, 95])
            ability = rng.choice([75, 80, 84, 86, 88, 90])
            period = {"staff": person, "period_kind": PeriodKind.MONTH, "period_start": month.replace(day=1)}
            rating = services.appraisal_compute(actor=actor, attitude=attitude, ability=ability, **period)["rating"]
            services.appraisal_save(actor=actor, attitude=attitude, ability=ability, comment=COMMENTS[rating],
                                    **period)
    _training(actor, staff, rng, today)
    return _summary()


def _training(actor, staff, rng, today) -> None:
    courses = [Course.objects.get_or_create(name=name, defaults={"category": cat, "hours": Decimal(hours),
                                                                  "description": text})[0]
               for name, cat, hours, text in COURSES]
    for n, course in enumerate(courses):
        session = services.training_session_create(actor=actor, course=course,
                                                   held_on=today - datetime.timedelta(days=60 - n * 12),
                                                   trainer=rng.choice(["王丽华", "外聘讲师 陈老师", "赵建国"]),
                                                   place=rng.choice(["二楼培训室", "线上会议", "冷库现场"]))
        for person in staff:
            if rng.random() < 0.15:
                services.training_record_set(actor=actor, session=session, staff=person,
                                             result=TrainingResult.ABSENT, note="当日值班")
                continue
            score = rng.randint(68, 98)
            services.training_record_set(actor=actor, session=session, staff=person, score=score,
                                         result=TrainingResult.PASSED if score >= 70 else TrainingResult.FAILED)


def _summary() -> str:
    appraisals = Appraisal.objects.count()
    if not appraisals and not KpiTarget.objects.exists():
        return ""
    return (f"KPI：目标{KpiTarget.objects.count()}项，绩效考核{appraisals}份，"
            f"培训记录{TrainingRecord.objects.count()}条")
