"""Full addresses for links that leave Depot (emails): under the DEPOT_PUBLIC_URL setting."""

from django.conf import settings


def public_url(path: str) -> str:
    return settings.DEPOT_PUBLIC_URL.rstrip("/") + path
