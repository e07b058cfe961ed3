import datetime
from decimal import Decimal

import pytest

from depot.core.errors import ValidationFailed
from depot.kpi import policy, selectors, services
from depot.kpi.choices import Component, PeriodKind, Rating, TrainingResult
from depot.kpi.models import Appraisal, AppraisalWeight, Course
from tests.kpi.conftest import OCTOBER

pytestmark = pytest.mark.usefixtures("incidents_and_complaints", "followups", "survey_answers")


def test_staff_kpis_of_a_month_match_the_hand_computed_figures(october):
    row = selectors.staff_kpis(user=october.supervisor, period=OCTOBER, staff=[october.specialist])[0]
    assert (row.order_on_time, row.orders) == (Decimal("50.0"), 2)  # O1 on time, O2 late
    assert (row.complaints_handled, row.complaint_on_time) == (2, Decimal("50.0"))  # TS-T1 on time, TS-T2 late
    assert (row.first_response_hours, row.first_responses) == (Decimal("3.0"), 3)  # (2 + 6 + 1) / 3
    assert (row.followup_on_time, row.followups_due) == (Decimal("33.3"), 3)  # 1 of 3; cancelled left out
    assert (row.satisfaction, row.survey_responses) == (Decimal("50.0"), 2)


def test_a_staff_member_without_records_has_no_data_rather_than_zero(october, other_specialist):
    row = selectors.staff_kpis(user=october.supervisor, period=OCTOBER, staff=[other_specialist])[0]
    assert row.order_on_time is None and row.complaint_on_time is None and row.first_response_hours is None
    assert row.followup_on_time is None and row.satisfaction is None


def test_the_appraisal_weights_the_computed_kpis_and_the_supervisors_assessment(october):
    appraisal = services.appraisal_save(actor=october.supervisor, staff=october.specialist,
                                        period_kind=PeriodKind.MONTH, period_start=datetime.date(2026, 10, 15),
                                        attitude=90, ability=80, comment="响应及时，回访需加强")
    # default weights 20/15/10/10/15/15/15; scores 50, 50, 100 (3 h within 4 h), 33.3, 50, 90, 80
    # (20×50 + 15×50 + 10×100 + 10×33.3 + 15×50 + 15×90 + 15×80) / 100 = 63.83
    assert appraisal.total == Decimal("63.8")
    assert appraisal.rating == Rating.PASS
    assert appraisal.period_start == datetime.date(2026, 10, 1) and appraisal.period_end == datetime.date(2026, 10, 31)
    assert appraisal.figures[Component.FOLLOWUP_ON_TIME] == {"value": "33.3", "score": "33.3"}
    assert appraisal.weights[Component.ORDER_ON_TIME] == 20


def test_changed_weights_change_the_next_appraisal_and_the_record_keeps_its_own(october):
    first = services.appraisal_save(actor=october.supervisor, staff=october.specialist, period_kind=PeriodKind.MONTH,
                                    period_start=datetime.date(2026, 10, 1), attitude=90, ability=80)
    services.appraisal_weights_set(actor=october.supervisor, weights={
        Component.ORDER_ON_TIME: 0, Component.COMPLAINT_ON_TIME: 0, Component.FIRST_RESPONSE: 0,
        Component.FOLLOWUP_ON_TIME: 0, Component.SATISFACTION: 50, Component.ATTITUDE: 50, Component.ABILITY: 0})
    assert first.weights[Component.SATISFACTION] == 15
    again = services.appraisal_save(actor=october.supervisor, staff=october.specialist,
                                    period_kind=PeriodKind.MONTH, period_start=datetime.date(2026, 10, 1),
                                    attitude=90, ability=80)
    assert again.pk == first.pk and again.total == Decimal("70.0")  # (50×50 + 50×90) / 100
    assert Appraisal.objects.count() == 1


def test_components_without_data_share_their_weight_with_the_others(october, other_specialist):
    appraisal = services.appraisal_save(actor=october.supervisor, staff=other_specialist,
                                        period_kind=PeriodKind.MONTH, period_start=datetime.date(2026, 10, 1),
                                        attitude=90, ability=80)
    assert appraisal.total == Decimal("85.0")  # only attitude and ability: (15×90 + 15×80) / 30
    assert appraisal.rating == Rating.GOOD


def test_weights_must_add_up_to_100_and_bad_scores_are_refused(october):
    with pytest.raises(ValidationFailed) as exc:
        services.appraisal_weights_set(actor=october.supervisor, weights={c: 10 for c in Component.values})
    assert "合计须为100%" in exc.value.messages()[0]
    assert not AppraisalWeight.objects.exists()
    with pytest.raises(ValidationFailed) as exc:
        services.appraisal_save(actor=october.supervisor, staff=october.specialist, period_kind=PeriodKind.MONTH,
                                period_start=datetime.date(2026, 10, 1), attitude=120, ability=80)
    assert exc.value.details["attitude"] == ["评分须在0到100之间"]
    assert not Appraisal.objects.exists()


def test_the_yearly_appraisal_covers_the_whole_year(october):
    appraisal = services.appraisal_save(actor=october.supervisor, staff=october.specialist,
                                        period_kind=PeriodKind.YEAR, period_start=datetime.date(2026, 10, 1),
                                        attitude=90, ability=80)
    assert (appraisal.period_start, appraisal.period_end) == policy.year_period(2026)
    assert appraisal.figures[Component.ORDER_ON_TIME]["value"] == "50.0"
    assert [a.pk for a in selectors.appraisal_history(user=october.supervisor, staff=october.specialist)] == [
        appraisal.pk]


def test_training_records_add_up_hours_per_person(october):
    course = Course.objects.create(name="仓储作业流程入门", category="process", hours=Decimal("4"))
    session = services.training_session_create(actor=october.supervisor, course=course,
                                               held_on=datetime.date(2026, 10, 9))
    services.training_record_set(actor=october.supervisor, session=session, staff=october.specialist,
                                 result=TrainingResult.PASSED, score=92)
    second = services.training_session_create(actor=october.supervisor, course=course,
                                              held_on=datetime.date(2026, 10, 23), hours="2.5")
    services.training_record_set(actor=october.supervisor, session=second, staff=october.specialist,
                                 result=TrainingResult.ABSENT)
    record = selectors.training_record(user=october.supervisor, staff=october.specialist)
    assert record["hours"] == Decimal("4") and len(record["records"]) == 2
    with pytest.raises(ValidationFailed):
        services.training_record_set(actor=october.supervisor, session=session, staff=october.specialist,
                                     result=TrainingResult.PASSED, score=101)
