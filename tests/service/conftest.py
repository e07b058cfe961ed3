"""Fixtures of the service tests: a customer of the specialist, a complaint factory, fixed times."""

import datetime

import pytest
from django.utils import timezone

from depot.customers.models import Customer
from depot.service import services

TZ = timezone.get_default_timezone()


def at(*args) -> datetime.datetime:
    """A local (Asia/Shanghai) moment."""
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def customer(specialist, supervisor, make_customer):
    c = make_customer(supervisor, owner=specialist, status="active")
    Customer.objects.filter(pk=c.pk).update(grade="B")
    return Customer.objects.get(pk=c.pk)


@pytest.fixture
def other_customer(other_specialist, supervisor, make_customer):
    return make_customer(supervisor, owner=other_specialist, status="active")


@pytest.fixture
def make_complaint(specialist):
    def make(customer, *, actor=None, **data):
        data.setdefault("description", "收到的货物外箱破损，内件受潮")
        data.setdefault("category", "damage")
        data.setdefault("severity", "high")
        return services.complaint_create(actor=actor or specialist, customer=customer, data=data)

    return make
