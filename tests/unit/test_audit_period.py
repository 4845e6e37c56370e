"""The periods of the instance usage audit."""
import datetime

import pytest

from svc_common.objects import task_log as task_log_obj

NOW = datetime.datetime(2026, 1, 1, 0, 30, 15)


@pytest.mark.parametrize('unit, beginning, ending', [
    ('hour', datetime.datetime(2025, 12, 31, 23), datetime.datetime(2026, 1, 1, 0)),
    ('day', datetime.datetime(2025, 12, 31), datetime.datetime(2026, 1, 1)),
    ('month', datetime.datetime(2025, 12, 1), datetime.datetime(2026, 1, 1)),
    ('year', datetime.datetime(2025, 1, 1), datetime.datetime(2026, 1, 1)),
])
def test_last_completed_period(unit, beginning, ending):
    assert task_log_obj.audit_period(unit, NOW) == (beginning, ending)


def test_month_in_the_middle_of_a_year():
    assert task_log_obj.audit_period('month', datetime.datetime(2026, 3, 31, 12)) == (
        datetime.datetime(2026, 2, 1), datetime.datetime(2026, 3, 1))
    aware = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
    assert task_log_obj.audit_period('day', aware) == (datetime.datetime(2026, 2, 28),
                                                       datetime.datetime(2026, 3, 1))
