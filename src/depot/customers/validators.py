"""Checks of Chinese business identifiers and contact data, using python-stdnum and phonenumbers."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError


def normalize_credit_code(value: str) -> str:
    return uscc.compact(value or "")


def credit_code_problem(value: str) -> str | None:
    """Why `value` is not a valid unified social credit code (GB 32100-2015), or None."""
    try:
        uscc.validate(value)
    except InvalidChecksum:
        return _("统一社会信用代码校验位不正确")
    except StdnumError:
        return _("统一社会信用代码格式不正确（应为18位数字或大写字母）")
    return None


def normalize_phone(value: str) -> tuple[str, str]:
    """Return (display form, E.164 form) of a Chinese mobile or landline number.

    Mobile numbers display as 11 digits, landlines as 区号-号码. Raises ValidationError.
    """
    raw = (value or "").strip()
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("电话号码格式不正确：%(value)s") % {"value": raw}, code="phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("不是有效的电话号码：%(value)s") % {"value": raw}, code="phone")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if parsed.country_code != 86:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL), e164
    nsn = phonenumbers.national_significant_number(parsed)
    area = phonenumbers.length_of_geographical_area_code(parsed)
    display = f"0{nsn[:area]}-{nsn[area:]}" if area else nsn
    if parsed.extension:
        display = f"{display} 转{parsed.extension}"
    return display, e164


def phone_search_key(value: str) -> str | None:
    """The E.164 form used to look a number up, or None when `value` is not a phone number."""
    try:
        return normalize_phone(value)[1]
    except ValidationError:
        return None


def phone_blind_index(value: str) -> str:
    """The keyed hash of a phone number's E.164 form: how an encrypted phone is found by its exact
    number, whichever way it was written. Empty when `value` is empty or not a phone number."""
    from depot.core import crypto

    key = phone_search_key(value) if value else None
    return crypto.blind_index(key) if key else ""


def email_blind_index(value: str) -> str:
    """The keyed hash of an email address, case-insensitive: how an encrypted email is found by its
    exact address. Empty when `value` is empty."""
    from depot.core import crypto

    return crypto.blind_index(value.lower()) if value else ""


def normalize_email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    validate_email(value)
    local, _sep, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def validate_resident_id(value: str) -> str:
    try:
        return ric.validate(value)
    except StdnumError:
        raise ValidationError(_("居民身份证号码不正确"), code="resident_id") from None
