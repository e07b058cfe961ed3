import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook


@pytest.fixture(autouse=True)
def _sidebar_of_registered_pages(monkeypatch):
    """Leave out sidebar entries whose page is not registered (an app still being built), so these
    tests judge the analytics pages only."""
    from django.urls import NoReverseMatch

    from depot.core import navigation

    def reachable(item):
        try:
            str(item["link"])
        except NoReverseMatch:
            return False
        return True

    sections = [{**g, "items": [i for i in g["items"] if reachable(i)]} for g in navigation.SECTIONS]
    monkeypatch.setattr(navigation, "SECTIONS", sections)


@pytest.fixture
def sup_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.mark.parametrize("name", ["analytics_board", "analytics_value", "analytics_rfm", "analytics_churn",
                                  "analytics_volume", "analytics_reportrun_changelist", "analytics_report_new"])
def test_every_analytics_page_opens_for_a_supervisor(dataset, sup_client, name):
    response = sup_client.get(reverse(f"admin:{name}"))
    assert response.status_code == 200


def test_the_customer_page_shows_value_segment_and_formulas(dataset, sup_client):
    response = sup_client.get(reverse("admin:analytics_customer", args=[dataset["甲"].pk]),
                              {"start": "2026-10-01", "end": "2026-10-31"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "订单数 × 30 ÷ 期间天数" in text and "一般" in text and "客户分析" in text


def test_the_customer_value_list_comes_in_pages_ranked_by_value_across_them(dataset, sup_client, monkeypatch):
    from depot.core import paging

    def shown(response) -> list[str]:
        return [row[0] for row in response.context["sections"][0]["rows"]]

    period = {"start": "2026-10-01", "end": "2026-10-31"}
    everyone = shown(sup_client.get(reverse("admin:analytics_value"), period))
    assert len(everyone) >= 3
    monkeypatch.setattr(paging, "PER_PAGE", 2)

    first = sup_client.get(reverse("admin:analytics_value"), period)
    nav = first.context["sections"][0]["nav"]
    second = sup_client.get(reverse("admin:analytics_value") + nav["next"])

    assert shown(first) == everyone[:2] and shown(second) == everyone[2:4]
    assert "start=2026-10-01" in nav["next"] and f"共{len(everyone)}条" in nav["label"]
    nonsense = sup_client.get(reverse("admin:analytics_value"), {**period, "page": "abc"})
    assert nonsense.status_code == 200 and shown(nonsense) == everyone[:2]


def test_a_reversed_period_on_the_page_says_so(dataset, sup_client):
    response = sup_client.get(reverse("admin:analytics_value"), {"start": "2026-10-31", "end": "2026-10-01"})
    assert "开始日期不能晚于结束日期" in response.content.decode()


def test_a_specialist_cannot_open_another_specialists_customer(dataset, client, specialist):
    client.force_login(specialist)
    response = client.get(reverse("admin:analytics_customer", args=[dataset["乙"].pk]))
    assert response.status_code == 404


def test_a_short_report_downloads_as_excel_right_away(dataset, sup_client):
    response = sup_client.post(reverse("admin:analytics_report_new"), {
        "scope": "customer", "customer": dataset["甲"].pk, "start": "2026-10-01", "end": "2026-10-31",
        "download": "xlsx"})
    assert response.status_code == 200
    assert "订单与时效" in load_workbook(io.BytesIO(response.content)).sheetnames


def test_the_landing_page_lists_the_churn_risk(dataset, sup_client, monkeypatch):
    from depot.analytics import selectors

    real = selectors.churn_list
    monkeypatch.setattr(selectors, "churn_list",
                        lambda **kw: real(**{**kw, "today": datetime.date(2026, 11, 15)}))
    text = sup_client.get(reverse("admin:index")).content.decode()
    assert "流失预警" in text and "已77天未下单" in text


def test_a_specialists_board_lists_their_customers_only(dataset, client, specialist):
    client.force_login(specialist)
    text = client.get(reverse("admin:analytics_board")).content.decode()
    assert "我的客户看板" in text
    assert f"{dataset['甲'].code} 甲" in text
    assert f"{dataset['乙'].code} 乙" not in text


def test_the_weekly_volume_of_one_customer_states_model_or_reason(dataset, sup_client):
    response = sup_client.get(reverse("admin:analytics_volume"), {"customer": dataset["丁"].pk, "kind": "week"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "每周订单量与预测" in text and ("MAPE" in text or "不做预测" in text)
