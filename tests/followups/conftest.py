"""Customers of two specialists, built through the services."""

import datetime

import pytest

from depot.customers.choices import ConsentPurpose, Grade, Status
from depot.customers.services import consent_record

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def customer(make_customer, specialist):
    return make_customer(specialist, name="华东食品贸易有限公司", short_name="华东食品", status=Status.ACTIVE,
                         grade=Grade.A, owner=specialist)


@pytest.fixture
def other_customer(make_customer, other_specialist):
    return make_customer(other_specialist, name="西南电子科技有限公司", short_name="西南电子", status=Status.ACTIVE,
                         grade=Grade.VIP, owner=other_specialist)


def allow_care(actor, customer, contact=None):
    return consent_record(actor=actor, customer=customer, purpose=ConsentPurpose.MARKETING, contact=contact,
                          evidence="服务确认单勾选接收节日关怀")


@pytest.fixture
def system(db):
    from depot.followups.tasks import system_actor

    return system_actor()
