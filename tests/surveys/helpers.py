"""Small factories for survey tests, going through the services."""

import datetime

from django.utils import timezone

from depot.surveys import services
from depot.surveys.choices import Dimension, QuestionKind

STANDARD_QUESTIONS = [
    {"dimension": Dimension.SERVICE_QUALITY, "kind": QuestionKind.SCALE, "text": "您对我们的整体服务质量是否满意？"},
    {"dimension": Dimension.RESPONSE_SPEED, "kind": QuestionKind.SCALE, "text": "我们对您需求的响应速度如何？"},
    {"dimension": Dimension.CUSTODY, "kind": QuestionKind.SCALE, "text": "您对货物保管养护是否满意？"},
    {"dimension": Dimension.COMMUNICATION, "kind": QuestionKind.SCALE, "text": "与客服沟通是否顺畅？"},
    {"dimension": Dimension.OVERALL, "kind": QuestionKind.SCALE, "text": "总体而言您是否满意？"},
    {"dimension": Dimension.NPS, "kind": QuestionKind.NPS, "text": "您向同行推荐我们的可能性有多大？"},
    {"dimension": Dimension.OVERALL, "kind": QuestionKind.TEXT, "text": "您还有什么意见或建议？", "required": False},
]


def make_template(actor, code="STD"):
    return services.template_create(actor=actor, data={"code": code, "name": "仓储服务满意度调查"},
                                    questions=STANDARD_QUESTIONS)


def make_campaign(actor, template, *, name="2026年第一季度满意度调查", days=14, **extra):
    data = {"name": name, "template": template, "period_start": datetime.date(2026, 1, 1),
            "period_end": datetime.date(2026, 3, 31), "expires_at": timezone.now() + datetime.timedelta(days=days),
            **extra}
    return services.campaign_create(actor=actor, data=data)


def answers_for(template, scores: dict, *, nps=None, comment=""):
    """Answers keyed by question pk: `scores` maps dimension → 1–5 score for the scale questions."""
    out = {}
    for q in template.questions.all():
        if q.kind == QuestionKind.SCALE:
            out[q.pk] = scores[q.dimension]
        elif q.kind == QuestionKind.NPS and nps is not None:
            out[q.pk] = nps
        elif q.kind == QuestionKind.TEXT:
            out[q.pk] = comment
    return out
