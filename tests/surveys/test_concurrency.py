import threading

import pytest
from django.db import connection

from depot.core.errors import IllegalTransition
from depot.customers.choices import Status
from depot.surveys import services
from depot.surveys.choices import Dimension
from depot.surveys.models import Invitation, Response
from tests.surveys.helpers import answers_for, make_campaign, make_template


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_token_record_one_response(supervisor, specialist, make_customer):
    make_customer(specialist, status=Status.ACTIVE)
    template = make_template(supervisor)
    campaign = make_campaign(supervisor, template)
    services.campaign_send(actor=supervisor, campaign=campaign)
    token = Invitation.objects.get().token
    answers = answers_for(template, {d: 4 for d in Dimension.values if d != Dimension.NPS}, nps=8)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.response_submit(token=token, answers=answers)
            outcomes.append("ok")
        except IllegalTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Response.objects.count() == 1
