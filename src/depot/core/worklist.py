"""Work lists: the tasks waiting for a person ("我的待办") or for a supervisor's team.

Apps register providers; a provider is called as `provider(user=..., team=...)` and returns the
`Task`s it knows about: with `team=False` only those the user is responsible for, with
`team=True` (supervisors) those of everybody the user may see. The service app renders them.
"""

import dataclasses
import datetime

_providers = []


@dataclasses.dataclass(frozen=True)
class Task:
    kind: str  # short label of the task type, e.g. "投诉"
    title: str
    url: str
    due: datetime.datetime | datetime.date | None = None
    overdue: bool = False
    customer: str = ""
    owner: str = ""  # display name of the person responsible
    detail: str = ""


def register(provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def _sort_key(task: Task):
    due = task.due
    if isinstance(due, datetime.datetime):
        due = due.date()
    return (not task.overdue, due or datetime.date.max, task.kind, task.title)


def collect(*, user, team: bool = False) -> list[Task]:
    """All tasks of the registered providers, overdue first, then by due date."""
    tasks: list[Task] = []
    for provider in _providers:
        tasks.extend(provider(user=user, team=team))
    return sorted(tasks, key=_sort_key)
