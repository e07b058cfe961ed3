"""Demo surveys: the standard questionnaire, two campaigns with answers (last quarter's, closed;
the current one, still open with some contacts not yet answered), and improvement plans in every
state — one judged effective by the next campaign's score, one waiting for its review.

Campaigns go out through the customer portal only: the demo contacts' email addresses look real,
so no email is queued. Answers are given with the time they would have been given (`now=`).
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from depot.core import roles
from depot.customers.choices import Status
from depot.surveys import selectors, services
from depot.surveys.choices import CampaignChannel, Dimension, PlanSource, PlanState, QuestionKind
from depot.surveys.models import Campaign, ImprovementPlan, Invitation

CODE = "STD"
S, N, C, T = QuestionKind.SCALE, QuestionKind.NPS, QuestionKind.CHOICE, QuestionKind.TEXT
QUESTIONS = [
    {"dimension": Dimension.SERVICE_QUALITY, "kind": S, "text": "您对我们出入库作业的准确性与规范性是否满意？"},
    {"dimension": Dimension.RESPONSE_SPEED, "kind": S, "text": "我们对您的咨询、订单和异常的响应速度如何？"},
    {"dimension": Dimension.CUSTODY, "kind": S, "text": "您对货物保管养护（温湿度、防损、先进先出）是否满意？"},
    {"dimension": Dimension.COMMUNICATION, "kind": S, "text": "与客服专员的沟通是否顺畅、专业？"},
    {"dimension": Dimension.OVERALL, "kind": S, "text": "总体而言，您对我们的仓储服务是否满意？"},
    {"dimension": Dimension.NPS, "kind": N, "text": "您向同行推荐我们仓库的可能性有多大？"},
    {"dimension": Dimension.COMMUNICATION, "kind": C, "text": "您最常用的联系方式是？",
     "options": ["服务热线", "微信", "邮件", "客户门户"], "required": False},
    {"dimension": Dimension.OVERALL, "kind": T, "text": "您对我们还有哪些意见或建议？", "required": False},
]
COMMENTS = {
    Dimension.CUSTODY: ["冷藏区温度记录偶尔缺失，希望每天推送温湿度报表", "上月有一箱外包装受潮", "近效期提醒不够及时"],
    Dimension.RESPONSE_SPEED: ["晚上发的异常要第二天中午才有回复", "电话经常占线", "出库异常通知太慢"],
    Dimension.COMMUNICATION: ["专员换人后交接不清楚", "回复比较模板化"],
}
PRAISE = ["整体很满意，继续保持", "张敏很负责", "发货准确及时", ""]


def _scores(rng, base: dict, grade: str) -> dict:
    lift = {"VIP": 0.4, "A": 0.2, "B": 0.0, "C": -0.3}.get(grade, 0)
    return {d: max(1, min(5, round(rng.gauss(mean + lift, 0.8)))) for d, mean in base.items()}


def _answer_all(campaign, template, rng, *, base, nps_mean, start, days, share, comments=True):
    scale = {q.dimension: q for q in template.questions.filter(kind=QuestionKind.SCALE)}
    others = list(template.questions.exclude(kind=QuestionKind.SCALE))
    invitations = list(Invitation.objects.filter(campaign=campaign).select_related("customer").order_by("id"))
    answered = 0
    for n, invitation in enumerate(invitations):
        if rng.random() > share:
            continue
        scores = _scores(rng, base, invitation.customer.grade)
        answers = {scale[d].pk: s for d, s in scores.items()}
        low = [d for d, s in scores.items() if s <= 3 and d in COMMENTS]
        for q in others:
            if q.kind == QuestionKind.NPS:
                answers[q.pk] = max(0, min(10, round(rng.gauss(nps_mean + (scores[Dimension.OVERALL] - 4) * 1.5, 1.2))))
            elif q.kind == QuestionKind.CHOICE:
                answers[q.pk] = rng.choice(q.options)
            elif q.kind == QuestionKind.TEXT and comments:
                answers[q.pk] = rng.choice(COMMENTS[low[0]]) if low else rng.choice(PRAISE)
        at = start + datetime.timedelta(days=days * n / max(len(invitations), 1), hours=rng.randint(9, 17) - 9)
        services.response_submit(token=invitation.token, answers=answers, now=at,
                                 channel="portal" if n % 3 == 0 else "link")
        answered += 1
    return answered


def surveys_demo_load(*, actor, customers) -> str:
    if Campaign.objects.filter(template__code=CODE).exists():
        return _summary()
    if not [c for c in customers if c.status == Status.ACTIVE]:
        return ""
    rng = random.Random(20261001)
    now = timezone.now()
    today = timezone.localdate()
    template = services.template_create(actor=actor, questions=QUESTIONS, data={
        "code": CODE, "name": "仓储服务客户满意度调查",
        "introduction": "感谢您一直以来的信任！本问卷约需3分钟，您的意见将直接用于改进我们的服务。"})

    # Last quarter: sent 55 days ago, closed 38 days ago; custody and response speed score low.
    q_start = (today.replace(day=1) - datetime.timedelta(days=95)).replace(day=1)
    sent1 = now - datetime.timedelta(days=55)
    first = services.campaign_create(actor=actor, now=sent1, data={
        "name": f"{q_start.year}年第{(q_start.month - 1) // 3 + 1}季度客户满意度调查", "template": template,
        "period_start": q_start, "period_end": q_start + datetime.timedelta(days=91),
        "channel": CampaignChannel.PORTAL, "expires_at": sent1 + datetime.timedelta(days=17)})
    services.campaign_send(actor=actor, campaign=first, now=sent1)
    base1 = {Dimension.SERVICE_QUALITY: 4.3, Dimension.RESPONSE_SPEED: 3.3, Dimension.CUSTODY: 3.1,
             Dimension.COMMUNICATION: 3.9, Dimension.OVERALL: 4.0}
    _answer_all(first, template, rng, base=base1, nps_mean=7.5, start=sent1 + datetime.timedelta(hours=2), days=15,
                share=0.8)
    services.campaign_close(actor=actor, campaign=first, now=sent1 + datetime.timedelta(days=17))

    plans = _plans(actor, first, today=today, completed_at=sent1 + datetime.timedelta(days=25))

    # This period: sent 22 days ago, open for 10 more days; custody improved, response speed not.
    sent2 = now - datetime.timedelta(days=22)
    second = services.campaign_create(actor=actor, now=sent2, data={
        "name": f"{today.year}年{today.month}月客户满意度回访调查", "template": template,
        "period_start": first.period_end + datetime.timedelta(days=1), "period_end": today,
        "channel": CampaignChannel.PORTAL, "expires_at": now + datetime.timedelta(days=10)})
    services.campaign_send(actor=actor, campaign=second, now=sent2)
    base2 = {**base1, Dimension.CUSTODY: 4.3, Dimension.RESPONSE_SPEED: 3.2, Dimension.OVERALL: 4.2}
    _answer_all(second, template, rng, base=base2, nps_mean=8.0, start=sent2 + datetime.timedelta(hours=3), days=19,
                share=0.65)
    services.plan_review(actor=actor, plan=plans["custody"], note="每日温湿度报表推送后，客户对保管的评价明显回升",
                         now=now - datetime.timedelta(days=1))
    return _summary()


def _plans(actor, campaign, *, today, completed_at) -> dict:
    users = get_user_model().objects.filter(is_active=True)
    specialists = list(users.filter(groups__name=roles.CS_SPECIALIST).order_by("username")) or [actor]
    keeper = users.filter(groups__name=roles.WAREHOUSE_KEEPER).first() or actor
    deadline = today + datetime.timedelta(days=20)

    def create(**data):
        return services.plan_create(actor=actor, today=today, data={"deadline": deadline, **data})

    custody = create(
        title="提升货物保管养护满意度", source=PlanSource.DIMENSION, dimension=Dimension.CUSTODY, campaign=campaign,
        problem="上季度调查中“货物保管”满意度最低，客户反映温湿度记录缺失、外包装受潮。",
        actions="冷藏区每日两次温湿度巡检；每天向VIP与A级客户推送温湿度报表；雨季前检查库顶防水。",
        department="仓储部", owner=keeper)
    speed = create(
        title="缩短异常与咨询的响应时间", source=PlanSource.DIMENSION, dimension=Dimension.RESPONSE_SPEED,
        campaign=campaign, problem="“响应速度”满意度偏低：晚间异常次日才回复，热线占线。",
        actions="设立18:00–22:00值班专员；热线增加排队回拨；异常单30分钟内首次响应。",
        department="客户服务部", owner=specialists[0])
    for plan in (custody, speed):
        services.plan_transition(actor=actor, plan=plan, to=PlanState.IN_PROGRESS, now=completed_at)
        services.plan_transition(actor=actor, plan=plan, to=PlanState.COMPLETED, now=completed_at)
    complaint_code = ""
    try:
        from depot.service.models import Complaint

        complaint_code = Complaint.objects.filter(root_cause__gt="").values_list("code", flat=True).first() or \
            Complaint.objects.values_list("code", flat=True).first() or ""
    except Exception:  # the service app may not be there
        complaint_code = ""
    if complaint_code:
        wrong = create(
            title="杜绝错发货", source=PlanSource.COMPLAINT, complaint_code=complaint_code,
            dimension=Dimension.SERVICE_QUALITY,
            problem="客户投诉错发货，根因为相似SKU相邻存放、拣货未扫码复核。",
            actions="相似SKU分区存放；出库前扫码复核；每周抽查拣货准确率。", department="仓储部", owner=keeper)
        services.plan_transition(actor=actor, plan=wrong, to=PlanState.IN_PROGRESS)
    create(title="客服话术与交接规范培训", source=PlanSource.MANUAL, dimension=Dimension.COMMUNICATION,
           problem="客户反映专员更换后交接不清、回复模板化。",
           actions="制定客户交接清单；开展两次沟通技巧培训；主管每周抽查10条沟通记录。",
           department="客户服务部", owner=specialists[-1])
    cancelled = create(title="增设周末客服热线", source=PlanSource.MANUAL, problem="部分客户希望周末可联系客服。",
                       actions="评估周末值班成本。", department="客户服务部", owner=specialists[0])
    services.plan_transition(actor=actor, plan=cancelled, to=PlanState.CANCELLED, note="改由客户门户留言+次日回复")
    return {"custody": custody, "speed": speed}


def _summary() -> str:
    campaigns = Campaign.objects.filter(template__code=CODE).order_by("sent_at")
    if not campaigns:
        return ""
    latest = campaigns.last()
    figures = selectors.csat_nps(campaign=latest)
    return (f"满意度调查：{campaigns.count()}次（最近一次 CSAT {figures['csat']}%，NPS {figures['nps']}，"
            f"{figures['responses']}份答卷），改进计划{ImprovementPlan.objects.count()}项")
