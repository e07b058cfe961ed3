"""A switch a block of code turns on for itself and what it calls (context-local, so concurrent
requests and jobs are not affected); e.g. each app's "no customer notifications" for demo data."""

import contextvars
from contextlib import contextmanager


class Switch:
    def __init__(self, name: str):
        self._var = contextvars.ContextVar(name, default=False)

    def __bool__(self) -> bool:
        return self._var.get()

    @contextmanager
    def on(self):
        token = self._var.set(True)
        try:
            yield
        finally:
            self._var.reset(token)
