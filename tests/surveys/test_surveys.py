import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import IllegalTransition, NotFound, ValidationFailed
from depot.customers.choices import Grade, Status
from depot.notifications.models import Notification
from depot.surveys import selectors, services
from depot.surveys.choices import Audience, CampaignState, Dimension, QuestionKind
from depot.surveys.models import Answer, Invitation, Response
from tests.surveys.helpers import STANDARD_QUESTIONS, answers_for, make_campaign, make_template

ALL_FIVE = {d: 5 for d in Dimension.values if d != Dimension.NPS}


@pytest.fixture
def customers(make_customer, specialist):
    a = make_customer(specialist, name="华东食品贸易有限公司", status=Status.ACTIVE, grade=Grade.VIP)
    b = make_customer(specialist, name="南方电子科技有限公司", status=Status.ACTIVE, grade=Grade.B)
    return a, b


@pytest.fixture
def template(supervisor):
    return make_template(supervisor)


@pytest.fixture
def sent(supervisor, template, customers):
    campaign = make_campaign(supervisor, template)
    services.campaign_send(actor=supervisor, campaign=campaign)
    campaign.refresh_from_db()
    return campaign


def token_of(campaign, customer):
    return Invitation.objects.get(campaign=campaign, customer=customer).token


def test_sending_gives_every_contact_a_personal_link_and_queues_an_email_with_it(sent, customers):
    invitations = list(Invitation.objects.filter(campaign=sent))
    assert len(invitations) == 2
    assert len({i.token for i in invitations}) == 2
    mails = Notification.objects.filter(event=services.EVENT_INVITE)
    assert mails.count() == 2
    mail = mails.get(customer=customers[0])
    assert mail.recipient == customers[0].contacts.get().email
    assert f"/s/{token_of(sent, customers[0])}/" in mail.body
    assert sent.state == CampaignState.SENT


def test_a_campaign_without_recipients_is_refused_and_nothing_is_written(supervisor, template, customers):
    campaign = make_campaign(supervisor, template, audience=Audience.GRADE, grades=[Grade.C])
    with pytest.raises(ValidationFailed) as exc:
        services.campaign_send(actor=supervisor, campaign=campaign)
    assert "没有符合条件的收件人" in str(exc.value.message)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT
    assert not Invitation.objects.exists() and not Notification.objects.exists()


def test_audience_by_grade_invites_only_customers_of_that_grade(supervisor, template, customers):
    campaign = make_campaign(supervisor, template, audience=Audience.GRADE, grades=[Grade.VIP])
    assert services.campaign_send(actor=supervisor, campaign=campaign) == 1
    assert Invitation.objects.get().customer == customers[0]


def test_a_token_answers_once_only(sent, customers, template):
    token = token_of(sent, customers[0])
    services.response_submit(token=token, answers=answers_for(template, ALL_FIVE, nps=10))
    with pytest.raises(IllegalTransition) as exc:
        services.response_submit(token=token, answers=answers_for(template, ALL_FIVE, nps=0))
    assert "只能答复一次" in str(exc.value.message)
    assert Response.objects.count() == 1
    assert set(Answer.objects.filter(question__kind=QuestionKind.NPS).values_list("score", flat=True)) == {10}


def test_an_expired_link_is_refused(sent, customers, template):
    later = sent.expires_at + datetime.timedelta(minutes=1)
    with pytest.raises(IllegalTransition) as exc:
        services.response_submit(token=token_of(sent, customers[0]), answers=answers_for(template, ALL_FIVE, nps=9),
                                 now=later)
    assert "过期" in str(exc.value.message)
    assert not Response.objects.exists()


def test_an_unknown_token_is_not_found(sent):
    with pytest.raises(NotFound):
        services.response_submit(token="no-such-token", answers={})


def test_scores_out_of_range_are_refused_per_question_and_nothing_is_written(sent, customers, template):
    answers = answers_for(template, {**ALL_FIVE, Dimension.CUSTODY: 6}, nps=11)
    with pytest.raises(ValidationFailed) as exc:
        services.response_submit(token=token_of(sent, customers[0]), answers=answers)
    custody = template.questions.get(dimension=Dimension.CUSTODY)
    nps_q = template.questions.get(kind=QuestionKind.NPS)
    assert exc.value.details[f"q{custody.pk}"] == ["分数须在1到5之间"]
    assert exc.value.details[f"q{nps_q.pk}"] == ["分数须在0到10之间"]
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert Invitation.objects.get(token=token_of(sent, customers[0])).answered_at is None


def test_a_missing_required_answer_is_refused(sent, customers, template):
    answers = answers_for(template, ALL_FIVE, nps=9)
    del answers[template.questions.get(dimension=Dimension.OVERALL, kind=QuestionKind.SCALE).pk]
    with pytest.raises(ValidationFailed):
        services.response_submit(token=token_of(sent, customers[0]), answers=answers)


def test_csat_and_nps_follow_the_standard_definitions(sent, customers, template):
    # customer A: scales 5,4,3,2,1 → 2 of 5 satisfied; NPS 10 (promoter)
    # customer B: scales 4,4,4,4,5 → 5 of 5 satisfied; NPS 5 (detractor)
    scores_a = dict(zip([d for d in Dimension.values if d != Dimension.NPS], [5, 4, 3, 2, 1], strict=True))
    services.response_submit(token=token_of(sent, customers[0]), answers=answers_for(template, scores_a, nps=10))
    services.response_submit(token=token_of(sent, customers[1]),
                             answers=answers_for(template, {**{d: 4 for d in ALL_FIVE}, Dimension.OVERALL: 5}, nps=5))
    today = timezone.localdate()
    both = selectors.csat_nps(period=(today, today))
    assert both == {"csat": Decimal("70.0"), "nps": Decimal("0.0"), "responses": 2}  # 7/10 satisfied; 1−1 of 2
    only_a = selectors.csat_nps(customers=[customers[0]], period=(today, today))
    assert only_a == {"csat": Decimal("40.0"), "nps": Decimal("100.0"), "responses": 1}
    yesterday = today - datetime.timedelta(days=1)
    assert selectors.csat_nps(period=(yesterday, yesterday)) == {"csat": None, "nps": None, "responses": 0}


def test_results_show_dimensions_lowest_first_with_their_comments_and_the_change_since_last_time(
        supervisor, template, customers):
    first = make_campaign(supervisor, template, name="上季度调查")
    services.campaign_send(actor=supervisor, campaign=first)
    services.response_submit(token=token_of(first, customers[0]),
                             answers=answers_for(template, {**ALL_FIVE, Dimension.CUSTODY: 2}, nps=8))
    services.campaign_close(actor=supervisor, campaign=first)
    second = make_campaign(supervisor, template, name="本季度调查")
    services.campaign_send(actor=supervisor, campaign=second)
    services.response_submit(token=token_of(second, customers[0]), answers=answers_for(
        template, {**ALL_FIVE, Dimension.CUSTODY: 4, Dimension.RESPONSE_SPEED: 2}, nps=9, comment="回复太慢"))
    services.response_submit(token=token_of(second, customers[1]), answers=answers_for(
        template, {**ALL_FIVE, Dimension.RESPONSE_SPEED: 3}, nps=10))

    results = selectors.campaign_results(user=supervisor, campaign=second)
    assert results["overall"]["invited"] == 2 and results["overall"]["responded"] == 2
    assert results["overall"]["response_rate"] == Decimal("100.0")
    dims = {d["code"]: d for d in results["dimensions"]}
    assert dims[Dimension.CUSTODY]["csat"] == Decimal("100.0")
    assert dims[Dimension.CUSTODY]["previous"] == Decimal("0.0")
    assert dims[Dimension.CUSTODY]["change"] == Decimal("100.0")
    lowest = results["lowest"][0]
    assert lowest["code"] == Dimension.RESPONSE_SPEED and lowest["csat"] == Decimal("0.0")
    assert [c["text"] for c in lowest["comments"]] == ["回复太慢"]
    assert results["overall"]["nps"] == Decimal("100.0")
    assert {r["grade"] for r in results["by_grade"]} == {Grade.VIP, Grade.B}
    assert [s["responses"] for s in results["by_staff"]] == [2]


def test_a_specialist_sees_results_of_their_own_customers_only(sent, customers, template, other_specialist,
                                                              make_customer, specialist):
    services.response_submit(token=token_of(sent, customers[0]), answers=answers_for(template, ALL_FIVE, nps=10))
    assert selectors.campaign_results(user=other_specialist, campaign=sent)["overall"]["responses"] == 0
    assert selectors.campaign_results(user=specialist, campaign=sent)["overall"]["responses"] == 1


def test_pending_for_customer_lists_open_links_until_answered(sent, customers, template):
    pending = selectors.pending_for_customer(customer=customers[0])
    assert [p["title"] for p in pending] == [sent.name]
    assert pending[0]["url"] == f"/s/{token_of(sent, customers[0])}/?via=portal"
    assert pending[0]["expires_at"] == sent.expires_at
    services.response_submit(token=token_of(sent, customers[0]), answers=answers_for(template, ALL_FIVE, nps=9))
    assert selectors.pending_for_customer(customer=customers[0]) == []
    assert selectors.pending_for_customer(customer=customers[1], now=sent.expires_at) == []


def test_reminders_go_to_non_respondents_only(supervisor, sent, customers, template):
    services.response_submit(token=token_of(sent, customers[0]), answers=answers_for(template, ALL_FIVE, nps=9))
    assert services.campaign_remind(actor=supervisor, campaign=sent) == 1
    reminder = Notification.objects.get(event=services.EVENT_REMIND)
    assert reminder.customer == customers[1]
    assert Invitation.objects.get(customer=customers[1]).reminders == 1


def test_a_used_template_cannot_be_edited_and_a_new_version_keeps_old_answers(supervisor, sent, customers, template):
    services.response_submit(token=token_of(sent, customers[0]), answers=answers_for(template, ALL_FIVE, nps=9))
    with pytest.raises(IllegalTransition):
        services.template_questions_replace(actor=supervisor, template=template, questions=STANDARD_QUESTIONS[:2])
    questions = [dict(q) for q in STANDARD_QUESTIONS]
    questions[0]["text"] = "您对出入库作业质量是否满意？"
    v2 = services.template_new_version(actor=supervisor, template=template, questions=questions)
    assert (v2.code, v2.version) == (template.code, 2)
    template.refresh_from_db()
    assert not template.is_active
    old = Answer.objects.filter(question__dimension=Dimension.SERVICE_QUALITY).get()
    assert old.question.text == "您对我们的整体服务质量是否满意？" and old.question.template == template


def test_specialists_cannot_send_campaigns(specialist, sent):
    from depot.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.campaign_remind(actor=specialist, campaign=sent)


def test_the_public_page_takes_an_answer_without_login_and_then_says_thanks(client, sent, customers, template):
    url = f"/s/{token_of(sent, customers[0])}/"
    page = client.get(url)
    assert page.status_code == 200 and sent.name in page.content.decode()
    form = {f"q{k}": v for k, v in answers_for(template, ALL_FIVE, nps=10, comment="很好").items()}
    bad = client.post(url, {**form, f"q{template.questions.get(kind=QuestionKind.NPS).pk}": "12"})
    assert bad.status_code == 400 and "分数须在0到10之间" in bad.content.decode()
    done = client.post(url, form)
    assert done.status_code == 200 and "感谢" in done.content.decode()
    again = client.post(url, form)
    assert "只能答复一次" in again.content.decode()
    assert Response.objects.count() == 1
    assert client.get("/s/unknown-token/").status_code == 404
