import pytest

from depot.core.errors import NotFound
from depot.customers import selectors
from tests.conftest import VALID_CREDIT_CODES


@pytest.fixture
def hsd(specialist, make_customer):
    return make_customer(
        specialist, name="上海华盛达物流有限公司", short_name="华盛达物流", credit_code=VALID_CREDIT_CODES[0],
        contacts=[
            {"name": "陈经理", "phone": "13900000001", "email": "Chen.Wei@HuaShengDa.com.cn",
             "is_primary": True},
            {"name": "刘会计", "phone": "021-58881234", "wechat": "liu_kj_88"},
        ],
    )


@pytest.fixture
def other(other_specialist, make_customer):
    return make_customer(other_specialist, name="宁波甬兴电子科技有限公司", short_name="甬兴电子",
                         credit_code=VALID_CREDIT_CODES[1],
                         contacts=[{"name": "周总", "phone": "18657401234", "is_primary": True}])


def _codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def test_a_specialist_sees_only_their_own_customers(specialist, hsd, other):
    assert _codes(selectors.customer_list(user=specialist)) == {hsd.code}


def test_specialist_cannot_open_another_specialists_customer(specialist, hsd, other):
    assert selectors.customer_get(user=specialist, pk=hsd.pk) == hsd
    with pytest.raises(NotFound):
        selectors.customer_get(user=specialist, pk=other.pk)


def test_a_nonsense_key_is_not_found(specialist, hsd):
    with pytest.raises(NotFound):
        selectors.customer_get(user=specialist, pk="abc")


@pytest.mark.parametrize("role_fixture", ["supervisor", "keeper", "admin_user"])
def test_supervisors_keepers_and_admins_see_every_customer(request, role_fixture, hsd, other):
    user = request.getfixturevalue(role_fixture)

    assert _codes(selectors.customer_list(user=user)) == {hsd.code, other.code}
    assert selectors.customer_get(user=user, pk=other.pk) == other


def test_an_inactive_user_sees_nothing(specialist, hsd):
    specialist.is_active = False
    specialist.save()

    assert not selectors.customer_list(user=specialist).exists()


@pytest.mark.parametrize("query", [
    "华盛达", "华盛达物流", "C00001", "c00001", "hsd", "HSD", "shhsd",
    VALID_CREDIT_CODES[0], VALID_CREDIT_CODES[0].lower(),
    "13900000001", "139 0000 0001", "+86 13900000001", "139-0000-0001", "021-58881234", "(021) 5888 1234",
    "chen.wei@huashengda.com.cn", "Chen.Wei@HuaShengDa.com.cn",
])
def test_search_finds_a_customer_by_any_of_its_identifiers(supervisor, hsd, other, query):
    assert list(selectors.customer_search(user=supervisor, query=query)) == [hsd]


@pytest.mark.parametrize("query", ["1390000000", "13900000002", "chen@huashengda.com.cn", "甬兴物流", "xyz"])
def test_search_does_not_match_partial_phone_numbers_or_other_emails(supervisor, hsd, other, query):
    assert hsd not in selectors.customer_search(user=supervisor, query=query)


def test_search_stays_within_what_the_user_may_see(specialist, hsd, other):
    assert list(selectors.customer_search(user=specialist, query="18657401234")) == []
    assert list(selectors.customer_search(user=specialist, query="甬兴")) == []


def test_an_empty_search_returns_every_visible_customer(supervisor, hsd, other):
    assert _codes(selectors.customer_search(user=supervisor, query="  ")) == {hsd.code, other.code}


def test_a_customer_with_two_matching_contacts_is_listed_once(supervisor, specialist, make_customer):
    make_customer(specialist, name="杭州鲜丰冷链食品有限公司", contacts=[
        {"name": "王经理", "phone": "13588889999", "is_primary": True},
        {"name": "王助理", "phone": "+86 135 8888 9999"},
    ])

    assert selectors.customer_search(user=supervisor, query="13588889999").count() == 1


def test_a_keeper_sees_contact_details_masked(keeper, hsd):
    contact = hsd.contacts.get(name="陈经理")

    shown = selectors.contact_display(user=keeper, contact=contact)

    assert shown["phone"] == "139****0001"
    assert shown["email"] == "C****@huashengda.com.cn"
    assert shown["name"] == "陈经理"
    assert not selectors.can_view_pii(keeper)


def test_a_keeper_sees_a_landline_and_a_wechat_id_masked(keeper, hsd):
    shown = selectors.contact_display(user=keeper, contact=hsd.contacts.get(name="刘会计"))

    assert shown["phone"] == "021****1234"
    assert shown["wechat"] == "****"
    assert "liu_kj_88" not in str(shown)


def test_a_specialist_sees_contact_details_in_full(specialist, hsd):
    shown = selectors.contact_display(user=specialist, contact=hsd.contacts.get(name="陈经理"))

    assert (shown["phone"], shown["email"]) == ("13900000001", "Chen.Wei@huashengda.com.cn")
    assert shown["is_primary"] is True


def test_the_primary_contact_comes_first(hsd):
    assert selectors.primary_contact(hsd).name == "陈经理"


@pytest.mark.parametrize("name", [
    "上海华盛达物流股份有限公司", "上海华盛达物流有限责任公司", "上海华盛达物流集团有限公司",
    "上海华盛达物流（集团）有限公司", "华盛达物流有限公司", "上海华盛达物流有限公司苏州分公司",
])
def test_similar_names_are_found_whatever_the_legal_form(hsd, name):
    assert selectors.customer_similar_names(name=name) == [hsd]


@pytest.mark.parametrize("name", ["上海华通物流有限公司", "北京盛达食品有限公司", "有限公司", "宁波甬兴"])
def test_different_companies_are_not_taken_for_similar_names(hsd, name):
    assert selectors.customer_similar_names(name=name) == []


def test_a_customer_is_not_similar_to_itself(hsd):
    assert selectors.customer_similar_names(name=hsd.name, exclude_pk=hsd.pk) == []


def test_a_customer_is_found_by_its_credit_code(hsd):
    assert selectors.customer_by_credit_code(credit_code=VALID_CREDIT_CODES[0]) == hsd
    assert selectors.customer_by_credit_code(credit_code=VALID_CREDIT_CODES[0], exclude_pk=hsd.pk) is None
    assert selectors.customer_by_credit_code(credit_code="") is None


# ---- within_customers: the same rows as filtering by customer_list, without the subquery for who sees all ----

@pytest.mark.parametrize("role_fixture", ["specialist", "supervisor", "keeper", "admin_user"])
def test_within_customers_keeps_the_rows_of_the_customers_the_user_sees(request, role_fixture, hsd, other):
    from depot.customers.models import Contact

    user = request.getfixturevalue(role_fixture)
    contacts = Contact.objects.all()

    narrowed = selectors.within_customers(contacts, user=user)
    expected = contacts.filter(customer__in=selectors.customer_list(user=user))

    assert set(narrowed.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
    assert narrowed.exists()


def test_who_sees_every_customer_gets_no_subquery_of_customers(supervisor, specialist, hsd, other):
    from depot.customers.models import Contact

    assert "customers_customer" not in str(selectors.within_customers(Contact.objects.all(), user=supervisor).query)
    assert "customers_customer" in str(selectors.within_customers(Contact.objects.all(), user=specialist).query)


def test_within_customers_leaves_out_rows_without_a_customer_where_the_path_allows_them(supervisor, hsd):
    from depot.inventory.models import StockMove

    sql = str(selectors.within_customers(StockMove.objects.all(), user=supervisor, field="owner").query)
    not_null = str(StockMove.objects.filter(owner__isnull=False).query)
    assert sql == not_null if StockMove._meta.get_field("owner").null else "WHERE" not in sql


def test_an_inactive_or_portal_user_is_never_treated_as_seeing_all(supervisor, hsd, other):
    from depot.customers.models import Contact

    supervisor.is_active = False
    assert not selectors.within_customers(Contact.objects.all(), user=supervisor).exists()
    supervisor.is_active, supervisor.is_staff = True, False
    assert not selectors.all_customers_visible(supervisor)
