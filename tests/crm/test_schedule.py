"""The worker's periodic CRM sync runs the configured connectors in their slot, and nothing when
none is configured."""

import pytest

from depot.crm.models import SyncRun
from depot.crm.tasks import crm_sync_due

TEN_PAST = 1_740_794_400 + 10 * 60  # 2025-03-01 10:10 Beijing time, a 10-minute slot
ELEVEN_PAST = TEN_PAST + 60


def test_nothing_runs_without_a_configured_connector(db):
    assert crm_sync_due(timestamp=TEN_PAST, env={}) == []
    assert not SyncRun.objects.exists()


def test_the_configured_connector_runs_in_its_slot_only(consenting_env, zoho):
    assert crm_sync_due(timestamp=ELEVEN_PAST, env=consenting_env) == []
    [run] = crm_sync_due(timestamp=TEN_PAST, env=consenting_env)
    assert run.connector == "zoho" and run.status == "succeeded" and run.sent == 2


def test_a_connector_missing_its_settings_is_skipped_not_crashed(db):
    assert crm_sync_due(timestamp=TEN_PAST, env={"DEPOT_CRM_CONNECTOR": "zoho,fxiaoke"}) == []


@pytest.fixture
def consenting_env(zoho_env, make_customer, specialist, consent):
    consent(make_customer(specialist), "Zoho CRM")
    return {**zoho_env, "DEPOT_CRM_CONNECTOR": "zoho"}
