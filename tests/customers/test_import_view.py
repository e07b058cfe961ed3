import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from depot.customers import excel, import_views
from depot.customers.models import Contact, Customer
from tests.customers.test_excel import _new_contact, _new_customer, _workbook

pytestmark = pytest.mark.urls("tests.customers.import_urls")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def url():
    return reverse("admin:customers_customer_import")


def _upload(content: bytes, name="客户.xlsx"):
    return SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)


def _stored_files(media):
    return sorted((media / "imports").glob("*.xlsx")) if (media / "imports").exists() else []


def _good_file() -> bytes:
    return _workbook([_new_customer(1, 客户编码="K001")], [_new_contact("K001")])


def test_the_import_page_needs_the_import_permission(client, keeper, url):
    client.force_login(keeper)

    assert client.get(url).status_code == 403
    assert client.post(url, {"file": _upload(_good_file())}).status_code == 403
    assert Customer.objects.count() == 0


def test_the_import_page_shows_an_upload_form_and_a_template_link(client, specialist, url):
    client.force_login(specialist)

    response = client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "导入客户档案" in page
    assert 'type="file"' in page
    assert "?template=1" in page
    assert "下载导入模板" in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)  # nothing from the internet


def test_the_template_download_is_a_workbook_with_one_example_row(client, specialist, url):
    client.force_login(specialist)

    response = client.get(url, {"template": "1"})

    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert [len(list(wb[name].iter_rows())) for name in ("客户", "联系人")] == [2, 2]


def test_an_upload_shows_a_preview_and_writes_nothing(client, specialist, url, _media):
    client.force_login(specialist)

    response = client.post(url, {"file": _upload(_good_file())})

    page = response.content.decode()
    assert response.status_code == 200
    assert "导入预览" in page
    assert re.search(r'data-count="created">\s*1<', page)
    assert "确认导入" in page
    assert (Customer.objects.count(), Contact.objects.count()) == (0, 0)
    stored = _stored_files(_media)
    assert len(stored) == 1
    assert client.session[import_views.SESSION_KEY]["token"] == stored[0].stem


def test_confirming_imports_the_previewed_file_and_returns_to_the_customer_list(client, specialist, url,
                                                                                _media):
    client.force_login(specialist)
    client.post(url, {"file": _upload(_good_file())})
    token = client.session[import_views.SESSION_KEY]["token"]

    response = client.post(url, {"confirm": "1", "token": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:customers_customer_changelist")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "导入完成：新建客户1个，更新客户0个，新增联系人1个"]
    customer = Customer.objects.get(code="K001")
    assert customer.contacts.get().name == "陈经理"
    assert _stored_files(_media) == []
    assert import_views.SESSION_KEY not in client.session


def test_a_file_with_errors_shows_them_and_offers_no_confirm(client, specialist, url):
    client.force_login(specialist)
    content = _workbook([_new_customer(1, 企业性质="上市公司")])

    response = client.post(url, {"file": _upload(content)})

    page = response.content.decode()
    assert "发现1处错误，没有写入任何数据" in page
    assert "企业性质" in page
    assert "“上市公司”不是有效的选项" in page
    assert 'name="confirm"' not in page
    assert Customer.objects.count() == 0


def test_a_file_that_is_not_excel_is_reported_on_the_preview(client, specialist, url):
    client.force_login(specialist)

    response = client.post(url, {"file": _upload("客户编码,客户全称\n".encode("gbk"), name="客户.csv")})

    assert "不是有效的Excel文件（.xlsx）" in response.content.decode()
    assert Customer.objects.count() == 0


def test_posting_without_a_file_shows_the_form_again(client, specialist, url):
    client.force_login(specialist)

    response = client.post(url, {})

    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()
    assert "errors" in response.content.decode()


def test_a_confirm_that_fails_keeps_the_uploaded_file(client, specialist, make_customer, url, _media):
    client.force_login(specialist)
    content = _workbook([_new_customer(1, 客户编码="K001")])
    client.post(url, {"file": _upload(content)})
    token = client.session[import_views.SESSION_KEY]["token"]
    # Someone else takes the credit code between the preview and the confirm.
    make_customer(specialist, name="抢先的客户有限公司", credit_code=_new_customer(1)["统一社会信用代码"])
    before = Customer.objects.count()

    response = client.post(url, {"confirm": "1", "token": token})

    page = response.content.decode()
    assert response.status_code == 200
    assert "确认导入时发现1处错误" in page
    assert "该统一社会信用代码已属于客户" in page
    assert Customer.objects.count() == before
    assert [p.stem for p in _stored_files(_media)] == [token]
    assert client.session[import_views.SESSION_KEY]["token"] == token


@pytest.mark.parametrize("token", ["../../etc/passwd", "", "x" * 32])
def test_a_confirm_with_an_unknown_token_imports_nothing(client, specialist, url, token):
    client.force_login(specialist)
    client.post(url, {"file": _upload(_good_file())})

    response = client.post(url, {"confirm": "1", "token": token})

    assert response.status_code == 302
    assert response["Location"] == url
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["待导入的文件已失效，请重新上传"]
    assert Customer.objects.count() == 0


def test_a_new_upload_replaces_the_previous_one(client, specialist, url, _media):
    client.force_login(specialist)
    client.post(url, {"file": _upload(_good_file())})
    first = client.session[import_views.SESSION_KEY]["token"]

    client.post(url, {"file": _upload(_good_file())})

    second = client.session[import_views.SESSION_KEY]["token"]
    assert second != first
    assert [p.stem for p in _stored_files(_media)] == [second]
