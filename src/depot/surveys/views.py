"""The public survey page behind a personal link: no login, one answer per token."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from depot.core.errors import DomainError, IllegalTransition, NotFound, ValidationFailed
from depot.surveys import selectors, services
from depot.surveys.choices import AnswerChannel

PAGE = "surveys/public/answer.html"


def _questions(invitation, values=None, errors=None):
    values, errors = values or {}, errors or {}
    out = []
    for q in invitation.campaign.template.questions.order_by("position"):
        low_high = q.score_range
        out.append({"q": q, "field": f"q{q.pk}", "value": values.get(str(q.pk), ""),
                    "errors": errors.get(f"q{q.pk}", []),
                    "scores": list(range(low_high[0], low_high[1] + 1)) if low_high else []})
    return out


@require_http_methods(["GET", "POST"])
def answer(request, token):
    try:
        invitation = selectors.invitation_for_token(token)
    except NotFound as exc:
        return render(request, PAGE, {"closed": exc.message}, status=404)
    if invitation.answered_at is not None:
        return render(request, PAGE, {"invitation": invitation, "done": True})
    if invitation.is_expired():
        return render(request, PAGE, {"invitation": invitation, "closed": _("该调查已结束或链接已过期")}, status=410)
    if request.method == "GET":
        return render(request, PAGE, {"invitation": invitation, "questions": _questions(invitation)})
    values = {key[1:]: request.POST.get(key) for key in request.POST if key.startswith("q") and key[1:].isdigit()}
    channel = AnswerChannel.PORTAL if request.POST.get("via") == "portal" else AnswerChannel.LINK
    try:
        services.response_submit(token=token, answers=values, channel=channel)
    except ValidationFailed as exc:
        return render(request, PAGE, {"invitation": invitation, "questions": _questions(invitation, values,
                                                                                         exc.details),
                                      "error": _("请检查标红的题目")}, status=400)
    except IllegalTransition as exc:
        if exc.code == "already_answered":
            return render(request, PAGE, {"invitation": invitation, "done": True})
        return render(request, PAGE, {"invitation": invitation, "closed": exc.message}, status=410)
    except DomainError as exc:
        return render(request, PAGE, {"closed": exc.message}, status=400)
    return render(request, PAGE, {"invitation": invitation, "done": True, "thanks": True})
