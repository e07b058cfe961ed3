from depot.analytics.choices import ReportState
from depot.analytics.demo import DEMO_SCHEDULE, analytics_demo_load
from depot.analytics.models import ReportRun, ReportSchedule, SegmentSnapshot


def test_the_demo_fills_only_the_analytics_tables_and_loads_once(dataset, supervisor):
    customers = list(dataset.values())
    text = analytics_demo_load(actor=supervisor, customers=customers)
    assert "数据分析" in text
    assert SegmentSnapshot.objects.count() == 3 * 4
    assert ReportSchedule.objects.get().name == DEMO_SCHEDULE
    assert ReportRun.objects.get().state == ReportState.DONE
    analytics_demo_load(actor=supervisor, customers=customers)
    assert ReportRun.objects.count() == 1 and SegmentSnapshot.objects.count() == 12
