import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from depot.customers.validators import (
    credit_code_problem,
    normalize_credit_code,
    normalize_email,
    normalize_phone,
    phone_search_key,
    validate_resident_id,
)


def test_a_valid_credit_code_has_no_problem():
    body = "91310115MA1K3YJ2X"
    assert credit_code_problem(body + uscc.calc_check_digit(body)) is None


def test_a_wrong_check_digit_is_named_as_such():
    assert credit_code_problem("91110000600037341A") == "统一社会信用代码校验位不正确"


@pytest.mark.parametrize("code", ["", "12345", "91110000600037341LL", "9111000060003734!L"])
def test_a_malformed_credit_code_is_named_as_such(code):
    assert "格式不正确" in credit_code_problem(code)


def test_a_credit_code_is_normalised_to_upper_case_without_spaces():
    assert normalize_credit_code(" 9111 0000 6000 3734 1l ") == "91110000600037341L"
    assert normalize_credit_code(None) == ""


@pytest.mark.parametrize(("raw", "display", "e164"), [
    ("13900000001", "13900000001", "+8613900000001"),
    ("139 0000 0001", "13900000001", "+8613900000001"),
    ("+86 139-0000-0001", "13900000001", "+8613900000001"),
    ("0086 13900000001", "13900000001", "+8613900000001"),
    ("02158881234", "021-58881234", "+862158881234"),
    ("(010) 6552 8888", "010-65528888", "+861065528888"),
    ("0755-26881234", "0755-26881234", "+8675526881234"),
    ("021-58881234 ext. 8001", "021-58881234 转8001", "+862158881234"),
    ("+852 2123 4567", "+852 2123 4567", "+85221234567"),
])
def test_phone_numbers_are_normalised(raw, display, e164):
    assert normalize_phone(raw) == (display, e164)


@pytest.mark.parametrize("raw", ["", "12345", "1390000000", "139000000011", "电话", "10000000000"])
def test_a_number_that_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)
    assert phone_search_key(raw) is None


def test_an_email_domain_is_lower_cased_but_not_its_mailbox():
    assert normalize_email("  Chen.Wei@HuaShengDa.COM.cn ") == "Chen.Wei@huashengda.com.cn"
    assert normalize_email("") == ""


@pytest.mark.parametrize("raw", ["chen", "chen@", "chen@@hsd.cn", "陈 经理@hsd.cn"])
def test_a_malformed_email_is_refused(raw):
    with pytest.raises(ValidationError):
        normalize_email(raw)


def test_a_valid_resident_id_is_accepted():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("raw", ["110105194912310021", "11010519491331002X", "1101051949123100", ""])
def test_an_invalid_resident_id_is_refused_in_chinese(raw):
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(raw)
    assert exc.value.messages == ["居民身份证号码不正确"]
