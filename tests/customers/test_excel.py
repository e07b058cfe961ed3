import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.test import RequestFactory
from openpyxl import Workbook, load_workbook

from depot.core import roles
from depot.core.errors import PermissionDenied
from depot.core.models import AuditEntry
from depot.customers import excel, selectors
from depot.customers.choices import Grade, Status, StorageType
from depot.customers.models import Contact, Customer, Tag
from tests.conftest import VALID_CREDIT_CODES, uscc_with_check_digit

CUSTOMER_HEADERS = ["客户编码", "客户全称", "简称", "统一社会信用代码", "企业性质", "仓储类型需求",
                    "付款方式", "开始合作日期", "客户等级", "状态"]
CONTACT_HEADERS = ["客户编码", "姓名", "职务", "电话", "邮箱", "生日", "首选联系方式", "主要联系人"]


def _workbook(customers=(), contacts=(), *, customer_headers=CUSTOMER_HEADERS,
              contact_headers=CONTACT_HEADERS) -> bytes:
    """An import file; each row is a dict keyed by the Chinese header."""
    wb = Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(customer_headers)
    for row in customers:
        ws.append([row.get(h) for h in customer_headers])
    ws = wb.create_sheet("联系人")
    ws.append(contact_headers)
    for row in contacts:
        ws.append([row.get(h) for h in contact_headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _new_customer(n=1, **cells):
    return {"客户全称": f"新客户{n}号冷链物流有限公司", "简称": f"新客户{n}",
            "统一社会信用代码": uscc_with_check_digit(f"9144030000000{n:04d}"), "企业性质": "民营企业",
            "仓储类型需求": "冷藏、冷冻", "付款方式": "月结", "开始合作日期": "2025-03-01", **cells}


def _new_contact(key, name="陈经理", **cells):
    return {"客户编码": key, "姓名": name, "职务": "物流经理", "电话": "13912345678",
            "邮箱": "chen@example.cn", "生日": datetime.date(1985, 6, 1), "首选联系方式": "微信",
            "主要联系人": "是", **cells}


def _counts():
    return Customer.objects.count(), Contact.objects.count(), AuditEntry.objects.count()


def _sheet_rows(content: bytes, sheet: str) -> list[dict]:
    ws = load_workbook(io.BytesIO(content), read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def _edit(content: bytes, changes: list[tuple[str, int, str, object]], append=()) -> bytes:
    """The workbook with (sheet, row, header, value) cells changed and rows appended to 联系人."""
    wb = load_workbook(io.BytesIO(content))
    for sheet, row, header, value in changes:
        headers = [c.value for c in wb[sheet][1]]
        wb[sheet].cell(row=row, column=headers.index(header) + 1, value=value)
    for values in append:
        wb["联系人"].append(values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _messages(result) -> list[str]:
    return [str(issue) for issue in result.errors]


# --- export --------------------------------------------------------------------------------------

@pytest.fixture
def archive(supervisor, specialist, make_customer):
    """Two customers of the specialist, with tags, contacts and the fields a supervisor sets."""
    cold = Tag.objects.create(name="冷链")
    first = make_customer(
        supervisor, name="华盛达物流有限公司", short_name="华盛达", owner=specialist,
        credit_limit=Decimal("50000"), credit_rating="AA", grade=Grade.A, status=Status.ACTIVE,
        storage_types=[StorageType.COLD], cooperation_since=datetime.date(2024, 5, 6), notes="=不是公式",
        contacts=[
            {"name": "陈经理", "phone": "13900000001", "email": "chen@hsd.cn",
             "birthday": datetime.date(1980, 2, 3), "wechat": "chen_hsd", "is_primary": True},
            {"name": "刘会计", "phone": "021-58881234", "preferred_channel": "email"},
        ],
    )
    first.tags.add(cold)
    second = make_customer(specialist, name="远航电子科技有限公司", short_name="远航")
    return [first, second]


def test_export_has_a_customer_sheet_and_a_contact_sheet_with_chinese_headers_and_labels(supervisor, archive):
    content = excel.customers_export(Customer.objects.all(), user=supervisor)

    customers = _sheet_rows(content, "客户")
    contacts = _sheet_rows(content, "联系人")
    first = customers[0]
    assert [c["客户全称"] for c in customers] == ["华盛达物流有限公司", "远航电子科技有限公司"]
    assert first["客户等级"] == "A级"
    assert first["状态"] == "合作中"
    assert first["信用等级"] == "AA（优）"
    assert first["仓储类型需求"] == "冷藏"
    assert first["付款方式"] == "月结"
    assert first["负责客服"] == "zhang.cs"
    assert first["标签"] == "冷链"
    assert first["信用额度（元）"] == 50000
    assert first["开始合作日期"] == datetime.datetime(2024, 5, 6)
    assert first["备注"] == "=不是公式"
    assert list(contacts[0]) == [
        "客户编码", "姓名", "职务", "电话", "邮箱", "微信号", "QQ号", "生日", "首选联系方式", "主要联系人"]
    shown = ("客户编码", "姓名", "电话", "首选联系方式", "主要联系人")
    assert [tuple(c[h] for h in shown) for c in contacts[:2]] == [
        (archive[0].code, "陈经理", "13900000001", "电话", "是"),
        (archive[0].code, "刘会计", "021-58881234", "邮件", "否"),
    ]


def test_export_header_row_is_bold_and_frozen():
    content = excel.customers_template()

    ws = load_workbook(io.BytesIO(content))["客户"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b
    assert ws.column_dimensions["B"].width >= 20


def test_a_keepers_export_masks_contact_phones_and_emails(keeper, archive):
    keeper.user_permissions.add(Permission.objects.get(codename="export_customers"))
    keeper = type(keeper).objects.get(pk=keeper.pk)

    contacts = _sheet_rows(excel.customers_export(Customer.objects.all(), user=keeper), "联系人")

    chen = next(c for c in contacts if c["姓名"] == "陈经理")
    assert chen["电话"] == "139****0001"
    assert chen["邮箱"] == "c****@hsd.cn"
    assert chen["微信号"] == "****"
    assert chen["生日"] == "****"


def test_a_specialists_export_contains_only_their_customers(specialist, other_specialist, make_customer):
    mine = make_customer(specialist, name="我的客户贸易有限公司")
    make_customer(other_specialist, name="别人的客户贸易有限公司")

    scoped = excel.customers_export(selectors.customer_list(user=specialist), user=specialist)
    unscoped = excel.customers_export(Customer.objects.all(), user=specialist)

    assert [c["客户编码"] for c in _sheet_rows(scoped, "客户")] == [mine.code]
    assert [c["客户编码"] for c in _sheet_rows(unscoped, "客户")] == [mine.code]
    assert {c["客户编码"] for c in _sheet_rows(scoped, "联系人")} == {mine.code}


def test_export_reads_contacts_and_tags_without_a_query_per_customer(supervisor, make_customer,
                                                                     django_assert_max_num_queries):
    for n in range(12):
        make_customer(supervisor, name=f"批量客户{n}号有限公司")

    with django_assert_max_num_queries(8):
        excel.customers_export(Customer.objects.all(), user=supervisor)


def test_export_needs_the_export_permission(keeper, archive):
    with pytest.raises(PermissionDenied):
        excel.customers_export(Customer.objects.all(), user=keeper)
    request = RequestFactory().get("/")
    request.user = keeper
    with pytest.raises(HttpForbidden):
        excel.customers_export_response(request, Customer.objects.all())


def test_export_response_is_an_xlsx_download_named_after_the_day(supervisor, archive):
    request = RequestFactory().get("/")
    request.user = supervisor

    response = excel.customers_export_response(request, Customer.objects.all())

    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%AE%A2%E6%88%B7%E6%A1%A3%E6%A1%88_" in disposition  # 客户档案_
    assert len(_sheet_rows(response.content, "客户")) == 2


# --- round trip ----------------------------------------------------------------------------------

def test_reimporting_an_export_creates_nothing_and_changes_nothing(supervisor, archive):
    content = excel.customers_export(Customer.objects.all(), user=supervisor)
    before = _counts()

    result = excel.customers_import(actor=supervisor, file=content, dry_run=False)

    assert result.errors == []
    assert (result.created, result.updated, result.contacts_created, result.contacts_updated) == (0, 0, 0, 0)
    assert _counts() == before


def test_masked_values_in_an_export_read_as_unchanged_for_a_user_without_personal_data_access(
        specialist, archive):
    no_pii = Group.objects.create(name="cs_without_pii")
    cs = Permission.objects.filter(content_type__app_label="customers", group__name=roles.CS_SPECIALIST)
    no_pii.permissions.set(cs.exclude(codename="view_contact_pii"))
    specialist.groups.set([no_pii])
    specialist = type(specialist).objects.get(pk=specialist.pk)
    content = excel.customers_export(selectors.customer_list(user=specialist), user=specialist)
    assert "139****0001" in [c["电话"] for c in _sheet_rows(content, "联系人")]
    before = _counts()

    result = excel.customers_import(actor=specialist, file=content, dry_run=False)

    assert result.errors == []
    assert (result.updated, result.contacts_updated) == (0, 0)
    assert _counts() == before
    assert archive[0].contacts.get(name="陈经理").phone == "13900000001"


def test_a_specialist_reimports_their_own_export_without_changes(specialist, archive):
    content = excel.customers_export(selectors.customer_list(user=specialist), user=specialist)
    before = _counts()

    result = excel.customers_import(actor=specialist, file=content, dry_run=False)

    assert result.errors == []
    assert (result.created, result.updated) == (0, 0)
    assert _counts() == before


def test_an_edited_export_updates_the_profile_and_the_contacts_matched_by_name(supervisor, archive):
    content = _edit(
        excel.customers_export(Customer.objects.filter(pk=archive[0].pk), user=supervisor),
        [("客户", 2, "区县", "浦东新区"), ("联系人", 2, "电话", "139 0000 0009")],
        append=[[archive[0].code, "王主管", "仓储主管", "13700000002"]],
    )

    result = excel.customers_import(actor=supervisor, file=content, dry_run=False)

    assert result.errors == []
    assert (result.created, result.updated, result.contacts_created, result.contacts_updated) == (0, 1, 1, 1)
    customer = Customer.objects.get(pk=archive[0].pk)
    assert customer.district == "浦东新区"
    assert customer.contacts.get(name="陈经理").phone == "13900000009"
    assert customer.contacts.get(name="王主管").title == "仓储主管"
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(customer.pk)).order_by("id")][-3:] == [
        "update", "contact_update", "contact_create"]


def test_changing_the_grade_of_an_existing_customer_by_import_is_refused(supervisor, archive):
    content = _edit(excel.customers_export(Customer.objects.filter(pk=archive[0].pk), user=supervisor),
                    [("客户", 2, "客户等级", "VIP"), ("客户", 2, "简称", "华盛达新简称")])
    before = _counts()

    result = excel.customers_import(actor=supervisor, file=content, dry_run=False)

    assert _messages(result) == ["客户 第2行 客户等级：等级/信用/状态需在系统内通过专门操作修改"]
    assert _counts() == before
    assert Customer.objects.get(pk=archive[0].pk).short_name == "华盛达"


# --- importing new customers ---------------------------------------------------------------------

def test_import_creates_customers_with_their_contacts_and_audit_entries(specialist):
    content = _workbook(
        [_new_customer(1, 客户编码="K001"), _new_customer(2)],
        [_new_contact("K001"), _new_contact("K001", "刘会计", 电话="021-58881234", 主要联系人="否"),
         _new_contact("新客户2号冷链物流有限公司", "赵经理", 电话="13800000003")],
    )

    result = excel.customers_import(actor=specialist, file=content, dry_run=False)

    assert result.errors == []
    assert (result.created, result.updated, result.contacts_created) == (2, 0, 3)
    first = Customer.objects.get(code="K001")
    assert first.owner == specialist
    assert first.storage_types == [StorageType.COLD, StorageType.FROZEN]
    assert first.cooperation_since == datetime.date(2025, 3, 1)
    assert first.nature == "private"
    assert [(c.name, c.phone, c.preferred_channel, c.is_primary) for c in first.contacts.all()] == [
        ("陈经理", "13912345678", "wechat", True), ("刘会计", "021-58881234", "wechat", False)]
    assert first.contacts.get(name="陈经理").birthday == datetime.date(1985, 6, 1)
    second = Customer.objects.get(name="新客户2号冷链物流有限公司")
    assert second.code.startswith("C")
    assert [c.name for c in second.contacts.all()] == ["赵经理"]
    for customer in (first, second):
        assert AuditEntry.objects.filter(object_id=str(customer.pk), action="create").count() == 1


def test_choice_columns_accept_codes_as_well_as_labels_and_dates_as_text_or_excel_dates(specialist):
    content = _workbook([
        _new_customer(1, 企业性质="state_owned", 仓储类型需求="ambient,cool", 付款方式="PREPAID",
                      开始合作日期=datetime.date(2023, 1, 2), 客户等级="B", 状态="active"),
    ])

    result = excel.customers_import(actor=specialist, file=content, dry_run=False)

    assert result.errors == []
    customer = Customer.objects.get()
    assert (customer.nature, customer.storage_types, customer.payment_terms) == (
        "state_owned", ["ambient", "cool"], "prepaid")
    assert (customer.grade, customer.status) == ("B", "active")
    assert customer.cooperation_since == datetime.date(2023, 1, 2)


def test_a_similar_name_is_a_warning_and_does_not_stop_the_import(specialist, make_customer):
    make_customer(specialist, name="华盛达物流有限公司")

    content = _workbook([_new_customer(1, 客户全称="华盛达物流（上海）有限公司")])

    result = excel.customers_import(actor=specialist, file=content, dry_run=False)

    assert result.errors == []
    assert result.created == 1
    assert len(result.warnings) == 1
    assert str(result.warnings[0]).startswith("客户 第2行 客户全称：已有名称相近的客户：")
    assert "华盛达物流有限公司" in result.warnings[0].message


def test_a_keeper_cannot_import_a_credit_limit_but_a_specialist_can(keeper, specialist):
    headers = CUSTOMER_HEADERS + ["信用额度（元）"]
    content = _workbook([_new_customer(1, **{"信用额度（元）": 20000})], customer_headers=headers)
    before = _counts()

    with pytest.raises(PermissionDenied):
        excel.customers_import(actor=keeper, file=content, dry_run=False)
    assert _counts() == before
    accepted = excel.customers_import(actor=specialist, file=content, dry_run=False)

    assert accepted.errors == []
    assert Customer.objects.count() == before[0] + 1
    assert Customer.objects.get().credit_limit == Decimal("20000")


def test_the_template_is_a_valid_import_file(specialist):
    result = excel.customers_import(actor=specialist, file=excel.customers_template(), dry_run=True)

    assert result.errors == []
    assert (result.created, result.contacts_created) == (1, 1)


def test_dry_run_reports_what_would_happen_and_writes_nothing(specialist):
    before = _counts()

    result = excel.customers_import(
        actor=specialist, file=_workbook([_new_customer(1)], [_new_contact("新客户1号冷链物流有限公司")]),
        dry_run=True)

    assert result.dry_run is True
    assert result.errors == []
    assert (result.created, result.contacts_created) == (1, 1)
    assert _counts() == before


def test_import_needs_the_import_permission(keeper):
    with pytest.raises(PermissionDenied):
        excel.customers_import(actor=keeper, file=_workbook([_new_customer(1)]), dry_run=True)


# --- errors: each names sheet, row and column in Chinese, and nothing is written -----------------

def _bad_check_digit(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def _import_fails(actor, content) -> list[str]:
    before = _counts()
    result = excel.customers_import(actor=actor, file=content, dry_run=False)
    assert result.errors
    assert _counts() == before
    assert (Customer.objects.count(), Contact.objects.count()) == before[:2]
    return _messages(result)


def test_an_invalid_credit_code_is_reported_with_its_row_and_column(specialist):
    content = _workbook([_new_customer(1), _new_customer(2), _new_customer(3),
                         _new_customer(4, 统一社会信用代码=_bad_check_digit(VALID_CREDIT_CODES[1]))])

    messages = _import_fails(specialist, content)

    assert len(messages) == 1
    assert messages[0].startswith("客户 第5行 统一社会信用代码：统一社会信用代码校验位不正确")


def test_a_credit_code_twice_in_the_file_is_reported_on_the_second_row(specialist):
    code = VALID_CREDIT_CODES[2]
    content = _workbook([_new_customer(1, 统一社会信用代码=code), _new_customer(2, 统一社会信用代码=code)])

    messages = _import_fails(specialist, content)

    assert messages == ["客户 第3行 统一社会信用代码：该统一社会信用代码与第2行重复"]


def test_a_credit_code_of_an_existing_customer_is_reported(specialist, make_customer):
    existing = make_customer(specialist, name="已存在的客户有限公司", credit_code=VALID_CREDIT_CODES[3])

    content = _workbook([_new_customer(1, 统一社会信用代码=VALID_CREDIT_CODES[3])])

    messages = _import_fails(specialist, content)

    assert messages == [f"客户 第2行 统一社会信用代码：该统一社会信用代码已属于客户 {existing}"]


def test_a_bad_phone_and_a_bad_email_are_reported_on_the_contact_row(specialist):
    content = _workbook(
        [_new_customer(1, 客户编码="K001")],
        [_new_contact("K001"), _new_contact("K001", "刘会计", 电话="12345", 邮箱="liu@", 主要联系人="否")],
    )

    messages = _import_fails(specialist, content)

    assert sorted(messages) == [
        "联系人 第3行 电话：不是有效的电话号码：12345", "联系人 第3行 邮箱：邮箱格式不正确：liu@"]


def test_a_bad_phone_of_a_contact_added_to_an_existing_customer_is_reported(specialist, make_customer):
    existing = make_customer(specialist, name="已存在的客户有限公司")

    messages = _import_fails(specialist, _workbook([], [_new_contact(existing.code, "新人", 电话="abc")]))

    assert len(messages) == 1
    assert messages[0].startswith("联系人 第2行 电话：")


def test_an_over_long_name_gets_the_fields_length_message(specialist):
    messages = _import_fails(specialist, _workbook([_new_customer(1, 客户全称="长" * 201)]))

    assert len(messages) == 1
    assert messages[0].startswith("客户 第2行 客户全称：")
    assert "200" in messages[0]


def test_an_unknown_choice_label_is_reported_with_the_valid_choices(specialist):
    messages = _import_fails(specialist, _workbook([_new_customer(1, 企业性质="上市公司")]))

    assert len(messages) == 1
    assert messages[0].startswith("客户 第2行 企业性质：“上市公司”不是有效的选项，可选：国有企业、民营企业")


def test_a_formula_cell_is_refused_and_named(specialist):
    messages = _import_fails(specialist, _workbook([_new_customer(1, 简称="=A1&B1")]))

    assert messages == ["客户 第2行 简称：单元格C2含有公式，请改为直接填写数值"]


def test_missing_and_unknown_columns_are_listed(specialist):
    headers = ["客户编码", "简称", "传真"]

    messages = _import_fails(specialist, _workbook([{"简称": "甲"}], customer_headers=headers))

    assert messages == ["客户 第1行：缺少必需的列：客户全称", "客户 第1行：无法识别的列：传真"]


@pytest.mark.parametrize("content", [
    "客户编码,客户全称\nK001,华盛达物流有限公司\n".encode(),
    "客户编码,客户全称\nK001,华盛达物流有限公司\n".encode("gbk"),
    b"\xff\xfe\x00\x81\x9f random bytes \x00\x01",
    b"PK\x03\x04 not really a zip",
], ids=["csv", "non-utf8", "random", "fake-zip"])
def test_a_file_that_is_not_xlsx_is_refused(specialist, content):
    assert _import_fails(specialist, content) == ["不是有效的Excel文件（.xlsx）"]


def test_an_empty_file_is_refused(specialist):
    assert _import_fails(specialist, b"") == ["文件是空的"]
    assert _import_fails(specialist, _workbook()) == ["文件中没有数据行"]


def test_a_file_over_ten_megabytes_is_refused_before_it_is_opened(specialist):
    content = b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024)

    assert _import_fails(specialist, content) == ["文件超过10MB，请分批导入"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(specialist):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(210):
                member.write(b"\0" * 1024 * 1024)

    assert _import_fails(specialist, out.getvalue()) == ["文件解压后过大，不是正常的客户档案文件"]


def test_more_than_5000_rows_are_refused(specialist):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(["客户编码", "客户全称"])
    for n in range(5001):
        ws.append([f"K{n:05d}", f"客户{n}号贸易有限公司"])
    out = io.BytesIO()
    wb.save(out)

    messages = _import_fails(specialist, out.getvalue())

    assert messages == ["客户：数据超过5000行，请分批导入"]


def test_errors_of_a_customer_row_and_of_its_contacts_are_reported_together(specialist):
    content = _workbook([_new_customer(1, 客户编码="K001", 企业性质="上市公司")],
                        [_new_contact("K001", 电话="12345", 生日="下周")])

    messages = _import_fails(specialist, content)

    assert [m.split("：")[0] for m in messages] == [
        "客户 第2行 企业性质", "联系人 第2行 生日", "联系人 第2行 电话"]


def test_one_bad_row_keeps_every_good_row_out_too(specialist, make_customer):
    existing = make_customer(specialist, name="已存在的客户有限公司")
    content = _workbook(
        [_new_customer(1), _new_customer(2, 企业性质="不存在")],
        [_new_contact(existing.code, "新联系人")],
    )

    _import_fails(specialist, content)

    assert not existing.contacts.filter(name="新联系人").exists()


def test_a_specialist_cannot_update_another_specialists_customer_by_code(specialist, other_specialist,
                                                                         make_customer):
    theirs = make_customer(other_specialist, name="别人的客户贸易有限公司")

    messages = _import_fails(specialist, _workbook([_new_customer(1, 客户编码=theirs.code)]))

    assert messages == ["客户 第2行 客户编码：该客户编码已存在，且不在您的负责范围内"]

