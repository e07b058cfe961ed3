"""One phase of a bench run, in its own process: `python -m depot.bench.phase NAME PARAMS_JSON OUT_FILE`.

The runner starts it with the bench database selected in the environment; the result (a dict)
is written as JSON to OUT_FILE.
"""

import json
import os
import resource
import sys


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depot.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _run(name: str, params: dict) -> dict:
    django_setup()
    if name == "generate":
        from depot.bench.generate import generate

        return generate(**params)
    if name == "flow":
        from depot.bench.flow import run_order_flow

        return run_order_flow(**params)
    if name == "pick":
        from depot.bench.flow import run_pick_and_ship

        return run_pick_and_ship(**params)
    if name == "check":
        from depot.bench.flow import run_checks

        return run_checks()
    if name == "pages":
        from depot.bench.pages import run_pages

        return run_pages(**params)
    if name == "http":
        from depot.bench.http import run_http

        return run_http(**params)
    raise SystemExit(f"unknown phase {name!r}")


def main(argv=None) -> None:
    name, params, out = (argv or sys.argv[1:])[:3]
    result = _run(name, json.loads(params))
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, default=str)


if __name__ == "__main__":
    main()
