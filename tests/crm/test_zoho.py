"""`crm_sync` with the Zoho connector against a local Zoho stand-in."""

import pytest

from depot.core.errors import ValidationFailed
from depot.crm.choices import EntryOutcome, LinkState, RunStatus
from depot.crm.connectors.zoho import ZohoConnector
from depot.crm.models import ExternalLink, SyncRun, SyncState
from depot.crm.services import crm_sync
from depot.customers.models import Consent, Customer
from depot.customers.services import customer_update
from tests.crm.conftest import make_order


@pytest.fixture
def sync(zoho_env, sleeps):
    def run(**kwargs):
        return crm_sync(connector="zoho", env=zoho_env, sleep=sleeps, **kwargs)

    return run


@pytest.fixture
def consenting(make_customer, specialist, consent):
    customer = make_customer(specialist, name="华东食品贸易有限公司", province="上海市", city="上海市")
    consent(customer, "Zoho CRM")
    return customer


def test_customers_contacts_and_orders_reach_zoho_keyed_by_their_depot_code(sync, zoho, consenting):
    order = make_order(consenting, carrier="顺丰速运", tracking_number="SF100200")
    run = sync()
    assert run.status == RunStatus.SUCCEEDED
    account = zoho.records["Accounts"][consenting.code]
    assert account["Account_Name"] == "华东食品贸易有限公司" and account["Billing_State"] == "上海市"
    contact = next(iter(zoho.records["Contacts"].values()))
    assert contact["Last_Name"] == "陈经理" and contact["Account_Name"] == {"id": account["id"]}
    sales_order = zoho.records["Sales_Orders"][order.number]
    assert sales_order["Account_Name"] == {"id": account["id"]} and sales_order["Carrier"] == "顺丰速运"
    assert "consignee_phone" not in str(sales_order)
    upsert = zoho.calls("/crm/v2/Accounts/upsert")[0]
    assert upsert["body"]["duplicate_check_fields"] == ["Depot_Code"]
    assert upsert["headers"]["Authorization"].startswith("Zoho-oauthtoken 1000.access")
    link = ExternalLink.objects.get(connector="zoho", object="account", local_id=consenting.pk)
    assert (link.external_id, link.state) == (account["id"], LinkState.SYNCED)
    assert run.sent == 3 and SyncState.objects.get(connector="zoho", object="account").cursor is not None


def test_records_go_in_batches_of_at_most_100(sync, zoho, specialist):
    customers = Customer.objects.bulk_create(
        Customer(code=f"KHB{n:04d}", name=f"批量客户{n}号有限公司", owner=specialist) for n in range(230))
    Consent.objects.bulk_create(Consent(customer=c, purpose="third_party", evidence="合同") for c in customers)
    run = sync()
    assert run.status == RunStatus.SUCCEEDED and run.sent == 230
    assert [len(c["body"]["data"]) for c in zoho.calls("/Accounts/upsert")] == [100, 100, 30]


def test_a_second_run_sends_nothing_and_a_change_is_upserted_on_the_same_record(sync, zoho, consenting, supervisor):
    sync()
    first_id = zoho.records["Accounts"][consenting.code]["id"]
    requests = len(zoho.requests)
    again = sync()
    assert again.status == RunStatus.SUCCEEDED and again.sent == 0
    assert len(zoho.requests) == requests  # nothing sent, not even a token asked for

    customer_update(actor=supervisor, customer=consenting, data={"industry": "食品饮料"})
    third = sync()
    assert third.sent == 1
    assert zoho.records["Accounts"][consenting.code]["id"] == first_id
    assert zoho.records["Accounts"][consenting.code]["Industry"] == "食品饮料"
    assert len(zoho.records["Accounts"]) == 1


def test_http_429_is_waited_out_as_retry_after_says(sync, zoho, consenting, sleeps):
    zoho.retry_after = "7"
    zoho.throttle = 2
    run = sync()
    assert run.status == RunStatus.SUCCEEDED
    assert sleeps == [7.0, 7.0]
    assert consenting.code in zoho.records["Accounts"]


def test_a_rate_limit_that_does_not_lift_fails_the_run_and_the_records_wait(sync, zoho, consenting, sleeps):
    zoho.throttle = 1000
    run = sync()
    assert run.status == RunStatus.FAILED and "429" in run.message
    assert len(sleeps) == 5
    assert ExternalLink.objects.get(object="account", local_id=consenting.pk).state == LinkState.FAILED
    zoho.throttle = 0
    assert sync().status == RunStatus.SUCCEEDED
    assert consenting.code in zoho.records["Accounts"]


def test_an_expired_access_token_is_refreshed_and_the_batch_sent_again(sync, zoho, consenting):
    zoho.expire_once = True
    run = sync()
    assert run.status == RunStatus.SUCCEEDED
    assert len(zoho.calls("/oauth/v2/token")) == 2
    assert zoho.calls("/oauth/v2/token")[0]["body"]["grant_type"] == "refresh_token"
    assert consenting.code in zoho.records["Accounts"]


def test_a_refused_refresh_token_fails_the_run_with_a_clear_message(zoho_env, zoho, consenting, sleeps):
    run = crm_sync(connector="zoho", env={**zoho_env, "DEPOT_CRM_ZOHO_REFRESH_TOKEN": "revoked"}, sleep=sleeps)
    assert run.status == RunStatus.FAILED and "刷新令牌" in run.message
    assert "Accounts" not in zoho.records


def test_customers_without_consent_are_skipped_and_logged(sync, zoho, consenting, make_customer, specialist,
                                                          consent):
    silent = make_customer(specialist, name="西南日化用品有限公司")
    make_order(silent)
    other_crm = make_customer(specialist, name="华北物流有限公司")
    consent(other_crm, "纷享销客")
    run = sync()
    assert set(zoho.records["Accounts"]) == {consenting.code}
    sent = str(zoho.requests)
    assert silent.code not in sent and other_crm.code not in sent and "西南日化" not in sent
    withheld = run.entries.filter(outcome=EntryOutcome.WITHHELD)
    assert {e.customer_id for e in withheld} == {silent.pk, other_crm.pk}
    assert run.withheld == 5  # two accounts, two contacts, one order

    consent(silent, "")  # a consent to any third party counts
    later = sync()
    assert silent.code in zoho.records["Accounts"] and later.sent == 3


def test_a_record_the_crm_refuses_is_recorded_and_sent_again_next_run(sync, zoho, consenting, make_customer,
                                                                       specialist, consent):
    refused = make_customer(specialist, name="华南电子有限公司")
    consent(refused, "zoho")
    zoho.reject = {refused.code}
    run = sync()
    assert run.status == RunStatus.PARTIAL and run.failed >= 1
    failed = run.entries.get(outcome=EntryOutcome.FAILED, object="account")
    assert failed.depot_code == refused.code and "INVALID_DATA" in failed.message
    assert consenting.code in zoho.records["Accounts"]

    zoho.reject = set()
    zoho.requests.clear()
    retry = sync()
    assert retry.status == RunStatus.SUCCEEDED
    assert [r["Depot_Code"] for c in zoho.calls("/Accounts/upsert") for r in c["body"]["data"]] == [refused.code]
    assert refused.code in zoho.records["Accounts"]


def test_a_dry_run_sends_nothing_and_moves_no_cursor(consenting, zoho):
    run = crm_sync(connector="zoho", env={}, dry_run=True)
    assert run.status == RunStatus.SUCCEEDED and run.dry_run
    assert zoho.requests == []
    assert run.entries.filter(outcome=EntryOutcome.WOULD_SEND, depot_code=consenting.code).exists()
    assert not ExternalLink.objects.exists()
    assert not SyncState.objects.exclude(cursor=None).exists()


def test_missing_settings_are_named_and_nothing_is_recorded(db):
    with pytest.raises(ValidationFailed) as exc:
        crm_sync(connector="zoho", env={"DEPOT_CRM_ZOHO_CLIENT_ID": "x"})
    assert "DEPOT_CRM_ZOHO_REFRESH_TOKEN" in exc.value.messages()[0]
    assert not SyncRun.objects.exists()


def test_an_unknown_connector_is_refused(db):
    with pytest.raises(ValidationFailed):
        crm_sync(connector="salesforce", env={})


def test_the_china_data_centre_is_the_default():
    conn = ZohoConnector.from_env({"DEPOT_CRM_ZOHO_CLIENT_ID": "a", "DEPOT_CRM_ZOHO_CLIENT_SECRET": "b",
                                   "DEPOT_CRM_ZOHO_REFRESH_TOKEN": "c"})
    assert conn.accounts_url == "https://accounts.zoho.com.cn"
    assert conn.api_url == "https://www.zohoapis.com.cn"
    other = ZohoConnector.from_env({"DEPOT_CRM_ZOHO_CLIENT_ID": "a", "DEPOT_CRM_ZOHO_CLIENT_SECRET": "b",
                                    "DEPOT_CRM_ZOHO_REFRESH_TOKEN": "c", "DEPOT_CRM_ZOHO_DC": "com"})
    assert other.api_url == "https://www.zohoapis.com"


def test_the_command_runs_a_sync_from_the_environment(consenting, zoho, zoho_env, monkeypatch, capsys):
    from depot.cli import main

    for key, value in zoho_env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as exit_:
        main(["crm-sync", "--connector", "zoho", "--since", "2020-01-01"])
    assert exit_.value.code == 0
    assert "发送 2" in capsys.readouterr().out
    assert consenting.code in zoho.records["Accounts"]


def test_complaints_become_cases_of_the_account(sync, zoho, consenting, specialist):
    from depot.service.services import complaint_answer, complaint_create

    complaint = complaint_create(actor=specialist, customer=consenting, data={
        "description": "外箱破损", "category": "damage", "severity": "critical"})
    sync()
    case = zoho.records["Cases"][complaint.code]
    account_id = zoho.records["Accounts"][consenting.code]["id"]
    assert case["Account_Name"] == {"id": account_id}
    assert (case["Status"], case["Priority"], case["Description"]) == ("New", "High", "外箱破损")

    complaint_answer(actor=specialist, complaint=complaint, answer="已赔偿")
    assert sync().sent == 1
    assert zoho.records["Cases"][complaint.code]["Status"] == "On Hold"
    assert len(zoho.records["Cases"]) == 1


def test_the_run_log_is_in_the_back_office(sync, zoho, consenting, supervisor, client):
    run = sync()
    client.force_login(supervisor)
    assert client.get("/admin/crm/syncrun/").status_code == 200
    page = client.get(f"/admin/crm/syncrun/{run.pk}/change/")
    assert page.status_code == 200 and consenting.code in page.content.decode()
