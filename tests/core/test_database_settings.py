"""The database connection binds parameters on the server and prepares repeated statements, unless
DEPOT_PREPARED_STATEMENTS=0 asks for Django's default (for a pooler in transaction mode)."""

import json
import os
import subprocess
import sys

import pytest

READ_OPTIONS = ("import json; from django.conf import settings; "
                "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))")


def _options(**env) -> dict:
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "depot.settings",
               "DATABASE_URL": "postgres://depot@db.invalid:5432/depot", **env}
    out = subprocess.run([sys.executable, "-c", READ_OPTIONS], env=environ, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_statements_are_prepared_by_default(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (True, 5)
    assert _options() == {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize("value", ["0", "false", "no"])
def test_prepared_statements_can_be_turned_off_for_a_pooler(value):
    assert _options(DEPOT_PREPARED_STATEMENTS=value) == {}
