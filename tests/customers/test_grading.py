import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from depot.core.errors import ValidationFailed
from depot.customers import grading, services
from depot.customers.choices import Grade, Status
from depot.customers.grading import Thresholds, suggest_grade

RULES = [
    Thresholds(Grade.VIP, min_tenure_months=24, min_credit_rating="AA"),
    Thresholds(Grade.A, min_tenure_months=12, min_credit_rating="A"),
    Thresholds(Grade.B, min_tenure_months=6),
    Thresholds(Grade.C),
]


def _inputs(**overrides):
    return {"status": Status.ACTIVE, "tenure_months": 30, "credit_rating": "AAA", **overrides}


def test_a_customer_meeting_every_vip_threshold_is_suggested_vip():
    suggestion = suggest_grade(_inputs(), RULES)

    assert suggestion.grade == Grade.VIP
    assert suggestion.reasons[0] == "满足VIP级规则"
    assert "合作月数 30 达到 ≥24" in suggestion.text
    assert "信用等级 AAA 达到 AA 或更好" in suggestion.text


def test_a_customer_short_of_the_vip_credit_rating_falls_to_a():
    suggestion = suggest_grade(_inputs(credit_rating="A"), RULES)

    assert suggestion.grade == Grade.A
    assert suggestion.reasons[0] == "满足A级规则"
    assert "信用等级 A 达到 A 或更好" in suggestion.text
    assert "未满足VIP级规则：信用等级 A 未达到 AA 或更好" in suggestion.text


def test_a_customer_short_of_every_graded_rule_falls_through_to_c():
    suggestion = suggest_grade(_inputs(tenure_months=3, credit_rating="C"), RULES)

    assert suggestion.grade == Grade.C
    assert suggestion.reasons[0] == "满足C级规则"


def test_without_a_c_rule_the_reasons_say_which_rules_were_missed():
    suggestion = suggest_grade(_inputs(tenure_months=3, credit_rating="C"), RULES[:3])

    assert suggestion.grade == Grade.C
    assert suggestion.reasons[-1] == "默认C级"
    assert "未满足VIP级规则：合作月数 3 未达到 ≥24；信用等级 C 未达到 AA 或更好" in suggestion.text
    assert "未满足B级规则：合作月数 3 未达到 ≥6" in suggestion.text


def test_missing_figures_are_not_checked_and_are_shown_as_such():
    suggestion = suggest_grade(_inputs(credit_rating=None), RULES)

    assert suggestion.grade == Grade.VIP
    assert "信用等级：暂无数据，不参与评定" in suggestion.reasons


def test_order_and_complaint_thresholds_are_not_checked_until_their_figures_exist():
    rules = [Thresholds(Grade.VIP, min_order_value_12m=Decimal("1000000"), min_orders_per_month=Decimal("50"),
                        max_complaints_12m=1)]

    suggestion = suggest_grade(_inputs(), rules)

    assert suggestion.grade == Grade.VIP
    assert "近12个月订单金额：暂无数据，不参与评定" in suggestion.reasons
    assert "近12个月投诉数：暂无数据，不参与评定" in suggestion.reasons


@pytest.mark.parametrize("status", [Status.PROSPECT, Status.SUSPENDED, Status.CLOSED])
def test_a_customer_that_is_not_active_stays_c(status):
    suggestion = suggest_grade(_inputs(status=status), RULES)

    assert suggestion.grade == Grade.C
    assert suggestion.text == "客户当前不是合作中状态，建议保持C级"


def test_without_rules_every_customer_is_c():
    suggestion = suggest_grade(_inputs(), [])

    assert (suggestion.grade, suggestion.text) == (Grade.C, "没有评级规则，默认C级")


def test_too_many_complaints_keep_a_customer_out_of_a_grade():
    rules = [Thresholds(Grade.A, max_complaints_12m=2), Thresholds(Grade.B)]

    assert suggest_grade(_inputs(complaints_12m=3), rules).grade == Grade.B
    assert suggest_grade(_inputs(complaints_12m=2), rules).grade == Grade.A


def test_slow_complaint_resolution_keeps_a_customer_out_of_a_grade():
    rules = [Thresholds(Grade.A, max_complaint_resolution_hours=24), Thresholds(Grade.B)]

    assert suggest_grade(_inputs(complaint_resolution_hours_avg=30.5), rules).grade == Grade.B
    assert suggest_grade(_inputs(complaint_resolution_hours_avg=24), rules).grade == Grade.A


def test_a_rule_can_require_an_rfm_segment_and_says_which():
    rules = [Thresholds(Grade.VIP, rfm_segments=("important_value", "important_keep")), Thresholds(Grade.B)]

    vip = suggest_grade(_inputs(rfm_segment="important_keep"), rules)
    assert vip.grade == Grade.VIP and "RFM分群 重要保持客户 达到 重要价值客户、重要保持客户" in vip.text
    other = suggest_grade(_inputs(rfm_segment="general_retain"), rules)
    assert other.grade == Grade.B and "RFM分群 一般挽留客户 未达到" in other.text
    unknown = suggest_grade(_inputs(), rules)
    assert unknown.grade == Grade.VIP and "RFM分群：暂无数据，不参与评定" in unknown.text


def test_the_supervisor_sets_segments_on_a_rule(supervisor):
    from depot.customers.models import GradingRule
    from depot.customers.services import grading_rule_save

    grading_rule_save(actor=supervisor, grade=Grade.VIP, data={"rfm_segments": ["important_value"],
                                                               "max_complaint_resolution_hours": 48})
    rule = grading.rules_from_db()[0]
    assert rule.rfm_segments == ("important_value",) and rule.max_complaint_resolution_hours == 48
    with pytest.raises(ValidationFailed):
        grading_rule_save(actor=supervisor, grade=Grade.VIP, data={"rfm_segments": ["best_customers"]})
    assert GradingRule.objects.get().rfm_segments == ["important_value"]


@pytest.fixture
def providers(monkeypatch):
    """Only the archive's own provider during the test (other apps' providers are restored after)."""
    monkeypatch.setattr(grading, "_providers", [grading._own_inputs])
    return grading._providers


@pytest.fixture
def graded_customer(supervisor, make_customer):
    for rule in RULES:
        services.grading_rule_save(actor=supervisor, grade=rule.grade, data={
            "min_tenure_months": rule.min_tenure_months, "min_credit_rating": rule.min_credit_rating or "",
        })
    services.grading_rule_save(actor=supervisor, grade=Grade.VIP,
                               data={"min_order_value_12m": Decimal("5000000")})
    return make_customer(supervisor, status=Status.ACTIVE, credit_rating="AAA",
                         cooperation_since=timezone.localdate() - datetime.timedelta(days=1000))


def test_an_input_provider_changes_the_suggestion_without_touching_callers(providers, graded_customer):
    assert grading.grade_suggest(graded_customer).grade == Grade.VIP  # order value not known yet

    grading.register_input_provider(lambda customer: {"order_value_12m": Decimal("1200000")})

    suggestion = grading.grade_suggest(graded_customer)
    assert suggestion.grade == Grade.A
    assert "近12个月订单金额 1200000 未达到 ≥5000000.00" in suggestion.text


def test_registering_the_same_provider_twice_counts_it_once(providers):
    def provider(customer):
        return {}

    grading.register_input_provider(provider)
    grading.register_input_provider(provider)

    assert providers.count(provider) == 1


def test_the_customers_own_figures_are_tenure_credit_rating_and_status(supervisor, make_customer):
    customer = make_customer(supervisor, status=Status.ACTIVE, credit_rating="AA",
                             cooperation_since=datetime.date(2024, 1, 15))
    today = timezone.localdate()

    inputs = grading.grading_inputs(customer)

    assert inputs["tenure_months"] == (today.year - 2024) * 12 + today.month - 1
    assert (inputs["credit_rating"], inputs["status"]) == ("AA", Status.ACTIVE)


def test_a_prospect_without_a_cooperation_date_has_no_tenure(supervisor, make_customer):
    customer = make_customer(supervisor)

    assert grading.grading_inputs(customer)["tenure_months"] is None
    assert grading.grade_suggest(customer).grade == Grade.C
