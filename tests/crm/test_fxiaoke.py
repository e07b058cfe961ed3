"""`crm_sync` with the 纷享销客 connector against a local FxiaoKe stand-in."""

import pytest

from depot.crm.choices import EntryOutcome, RunStatus
from depot.crm.models import ExternalLink
from depot.crm.services import crm_sync
from depot.customers.services import customer_update
from tests.crm.conftest import make_order


@pytest.fixture
def sync(fxiaoke_env, sleeps):
    def run(**kwargs):
        return crm_sync(connector="fxiaoke", env=fxiaoke_env, sleep=sleeps, **kwargs)

    return run


@pytest.fixture
def consenting(make_customer, specialist, consent):
    customer = make_customer(specialist, name="华东食品贸易有限公司")
    consent(customer, "纷享销客")
    return customer


def test_accounts_contacts_and_orders_are_created_once_then_updated_by_id(sync, fxiaoke, consenting, supervisor):
    order = make_order(consenting)
    run = sync()
    assert run.status == RunStatus.SUCCEEDED and run.sent == 3
    [account] = fxiaoke.by_object("AccountObj")
    account_id = ExternalLink.objects.get(connector="fxiaoke", object="account", local_id=consenting.pk).external_id
    assert account["name"] == "华东食品贸易有限公司" and account["depot_code__c"] == consenting.code
    [contact] = fxiaoke.by_object("ContactObj")
    assert contact["account_id"] == account_id and contact["name"] == "陈经理"
    [sales_order] = fxiaoke.by_object("SalesOrderObj")
    assert sales_order["depot_code__c"] == order.number and sales_order["account_id"] == account_id
    token = fxiaoke.calls("/cgi/corpAccessToken/get/V2")[0]["body"]
    assert token == {"appId": "FSAID_1", "appSecret": "secret", "permanentCode": "PERM"}

    fxiaoke.requests.clear()
    assert sync().sent == 0 and fxiaoke.requests == []

    customer_update(actor=supervisor, customer=consenting, data={"name": "华东食品贸易（集团）有限公司"},
                    confirm_similar=True)
    assert sync().sent == 1
    assert [c["path"] for c in fxiaoke.requests if "data" in c["path"]] == ["/cgi/crm/v2/data/update"]
    assert fxiaoke.records[account_id]["name"] == "华东食品贸易（集团）有限公司"
    assert len(fxiaoke.by_object("AccountObj")) == 1


def test_an_expired_corp_access_token_is_fetched_again(sync, fxiaoke, consenting):
    fxiaoke.expire_once = True
    run = sync()
    assert run.status == RunStatus.SUCCEEDED
    assert len(fxiaoke.calls("/cgi/corpAccessToken/get/V2")) == 2
    assert len(fxiaoke.by_object("AccountObj")) == 1


def test_http_429_is_waited_out(sync, fxiaoke, consenting, sleeps):
    fxiaoke.throttle, fxiaoke.retry_after = 1, "2"
    assert sync().status == RunStatus.SUCCEEDED
    assert sleeps == [2.0]


def test_customers_without_consent_send_nothing(sync, fxiaoke, consenting, make_customer, specialist):
    silent = make_customer(specialist, name="西南日化用品有限公司")
    run = sync()
    assert silent.code not in str(fxiaoke.requests)
    assert run.entries.filter(outcome=EntryOutcome.WITHHELD, customer=silent).count() == 1


def test_a_refused_record_is_retried_next_run_and_its_dependants_wait_for_it(sync, fxiaoke, consenting):
    fxiaoke.reject = {consenting.code}
    run = sync()
    assert run.status == RunStatus.PARTIAL
    assert fxiaoke.records == {}
    messages = list(run.entries.filter(outcome=EntryOutcome.FAILED).values_list("object", "message"))
    assert ("account", "300001: 必填字段未填写") in messages
    assert any(kind == "contact" and "尚未同步" in message for kind, message in messages)

    fxiaoke.reject = set()
    retry = sync()
    assert retry.status == RunStatus.SUCCEEDED and retry.sent == 2
    assert len(fxiaoke.by_object("ContactObj")) == 1
