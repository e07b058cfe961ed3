import pytest
from cryptography.fernet import Fernet
from django.db import connection

from depot.core import crypto
from depot.customers import selectors
from depot.customers.models import Contact

PHONE, EMAIL, ID_NUMBER = "13912345678", "chen.wei@hsd.cn", "11010519491231002X"


@pytest.fixture
def fresh_keys():
    """Forget the cached ciphers before and after a test that changes the keys."""
    crypto._cipher.cache_clear()
    crypto._index_key.cache_clear()
    yield
    crypto._cipher.cache_clear()
    crypto._index_key.cache_clear()


@pytest.fixture
def contact(specialist, make_customer):
    customer = make_customer(specialist, contacts=[
        {"name": "陈伟", "phone": PHONE, "email": EMAIL, "id_number": ID_NUMBER, "is_primary": True},
    ])
    return customer.contacts.get()


RAW_COLUMNS = ["phone", "email", "id_number", "phone_index", "email_index"]


def _raw_columns(contact) -> dict:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(RAW_COLUMNS)} FROM customers_contact WHERE id = %s", [contact.pk])
        return dict(zip(RAW_COLUMNS, cur.fetchone(), strict=True))


def test_personal_data_is_stored_without_plain_text(contact):
    raw = _raw_columns(contact)

    for column, plain in (("phone", PHONE), ("email", EMAIL), ("id_number", ID_NUMBER)):
        assert plain not in raw[column]
        assert "12345678" not in raw[column]
        assert crypto.decrypt(raw[column]) == plain
    assert PHONE not in raw["phone_index"] and "chen" not in raw["email_index"]


def test_personal_data_reads_back_as_plain_text(contact):
    fetched = Contact.objects.get(pk=contact.pk)

    assert (fetched.phone, fetched.email, fetched.id_number) == (PHONE, EMAIL, ID_NUMBER)


def test_the_same_value_encrypts_differently_each_time():
    assert crypto.encrypt(PHONE) != crypto.encrypt(PHONE)


def test_the_blind_index_finds_an_exact_value_only(contact):
    assert Contact.objects.filter(phone_index=crypto.blind_index("+86" + PHONE)).get() == contact
    assert Contact.objects.filter(email_index=crypto.blind_index(EMAIL)).get() == contact
    assert not Contact.objects.filter(phone_index=crypto.blind_index("+86" + PHONE[:-1])).exists()


def test_encrypted_columns_cannot_be_filtered_on(contact):
    with pytest.raises(Exception):  # noqa: B017 - Django refuses the lookup itself
        list(Contact.objects.filter(phone=PHONE))


def test_an_empty_value_stays_empty(specialist, make_customer):
    customer = make_customer(specialist, contacts=[{"name": "王", "wechat": "wang_wx", "is_primary": True}])

    raw = _raw_columns(customer.contacts.get())
    assert (raw["phone"], raw["email"], raw["phone_index"]) == ("", "", "")


def test_data_written_under_the_old_key_reads_after_a_new_key_is_added(contact, settings, fresh_keys):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = ["a-brand-new-field-key", old_key]
    crypto._cipher.cache_clear()

    assert Contact.objects.get(pk=contact.pk).phone == PHONE

    crypto.encrypt("x")  # the new key now encrypts
    fresh = Contact.objects.get(pk=contact.pk)
    fresh.title = "物流经理"
    fresh.save()
    new_token = _raw_columns(contact)["phone"]
    assert Fernet(crypto._fernet_key("a-brand-new-field-key")).decrypt(new_token.encode()).decode() == PHONE


def test_data_cannot_be_read_once_its_key_is_gone(contact, settings, fresh_keys):
    settings.FIELD_ENCRYPTION_KEYS = ["a-brand-new-field-key"]
    crypto._cipher.cache_clear()

    with pytest.raises(ValueError, match="DEPOT_FIELD_KEY"):
        Contact.objects.get(pk=contact.pk)


def test_search_by_phone_uses_the_blind_index(contact, supervisor):
    assert list(selectors.customer_search(user=supervisor, query="139-1234-5678")) == [contact.customer]
