"""Masking of personal data for people who may not see it (e.g. warehouse keepers)."""

MASK = "****"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) >= 11:
        return f"{digits[:3]}{MASK}{digits[-4:]}"
    if len(digits) > 4:
        return f"{MASK}{digits[-4:]}"
    return MASK


def mask_email(value: str | None) -> str:
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}{MASK}@{domain}" if domain else MASK


def mask_text(value) -> str:
    return MASK if value else ""
