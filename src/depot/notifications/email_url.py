"""`DEPOT_EMAIL_URL` → Django's email settings. Imported by settings.py, so it must not import Django models.

    smtp://user:password@host:25        plain SMTP (a relay on the intranet)
    smtp+tls://user:password@host:587   STARTTLS
    smtps://user:password@host:465      SMTP over TLS (also spelled smtp+ssl://)

User name and password are percent-decoded, so `@` in a user name is written `%40`.
"""

from urllib.parse import unquote, urlsplit

_SCHEMES = {
    "smtp": (False, False, 25),
    "smtp+tls": (True, False, 587),
    "smtps": (False, True, 465),
    "smtp+ssl": (False, True, 465),
}


def parse_email_url(url: str) -> dict:
    parts = urlsplit(url.strip())
    if parts.scheme not in _SCHEMES:
        raise ValueError(f"DEPOT_EMAIL_URL: unsupported scheme {parts.scheme!r} "
                         "(use smtp, smtp+tls or smtps)")
    if not parts.hostname:
        raise ValueError("DEPOT_EMAIL_URL: host is missing")
    use_tls, use_ssl, default_port = _SCHEMES[parts.scheme]
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
