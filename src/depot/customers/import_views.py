"""The Excel import page of the back office: upload, preview (a dry run), confirm.

The uploaded file is kept under MEDIA_ROOT/imports, named by a random token held in the session,
until the import succeeds, so that a confirm that fails does not lose it.
"""

import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldAdminFileFieldWidget

from depot.customers import excel
from depot.customers.excel_format import MAX_FILE_BYTES, MAX_ROWS
from depot.customers.models import Customer

SESSION_KEY = "customers_import_upload"
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
KEEP_SECONDS = 24 * 3600


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel文件（.xlsx）"),
        widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".xlsx," + excel.XLSX_CONTENT_TYPE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("每个工作表最多%(rows)s行，文件不超过10MB") % {"rows": MAX_ROWS}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件超过10MB，请分批导入"))
        return upload


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _path(token) -> Path | None:
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    path = _folder() / f"{token}.xlsx"
    return path if path.is_file() else None


def _store(upload) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):  # uploads abandoned long ago
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    with open(folder / f"{token}.xlsx", "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return token


def _discard(request) -> None:
    stored = request.session.pop(SESSION_KEY, None) or {}
    path = _path(stored.get("token"))
    if path:
        path.unlink(missing_ok=True)


def _render(request, template: str, **context) -> TemplateResponse:
    return TemplateResponse(request, f"customers/import/{template}", {
        **admin.site.each_context(request),
        "title": _("导入客户档案"),
        "opts": Customer._meta,
        "template_url": f"{request.path}?template=1",
        "max_rows": MAX_ROWS,
        **context,
    })


def _table(issues) -> dict:
    return {"headers": [_("工作表"), _("行"), _("列"), _("问题")],
            "rows": [[i.sheet, i.row or "", i.column, i.message] for i in issues]}


def _preview(request, result, *, upload_name: str, token: str) -> TemplateResponse:
    return _render(request, "preview.html", result=result, upload_name=upload_name, token=token,
                   error_table=_table(result.errors), warning_table=_table(result.warnings),
                   form=UploadForm())


def _upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, "form.html", form=form)
    upload = form.cleaned_data["file"]
    _discard(request)
    token = _store(upload)
    request.session[SESSION_KEY] = {"token": token, "name": upload.name}
    result = excel.customers_import(actor=request.user, file=_path(token), dry_run=True)
    return _preview(request, result, upload_name=upload.name, token=token)


def _confirm(request):
    stored = request.session.get(SESSION_KEY) or {}
    path = _path(stored.get("token"))
    if path is None or request.POST.get("token") != stored.get("token"):
        messages.error(request, _("待导入的文件已失效，请重新上传"))
        return redirect(request.path)
    result = excel.customers_import(actor=request.user, file=path, dry_run=False)
    if result.errors:
        return _preview(request, result, upload_name=stored.get("name", ""), token=stored["token"])
    _discard(request)
    done = _("导入完成：新建客户%(created)s个，更新客户%(updated)s个，新增联系人%(contacts)s个")
    messages.success(request, done % {
        "created": result.created, "updated": result.updated, "contacts": result.contacts_created,
    })
    return redirect(reverse("admin:customers_customer_changelist"))


def customer_import_view(request):
    """GET: the upload form (`?template=1`: the template workbook). POST: a file → preview;
    `confirm` with the token of the previewed file → the import, then the customer list."""
    if not request.user.has_perm("customers.import_customers"):
        raise PermissionDenied
    if request.method == "POST":
        return _confirm(request) if "confirm" in request.POST else _upload(request)
    if request.GET.get("template"):
        return excel.xlsx_response(excel.customers_template(), _("客户导入模板") + ".xlsx",
                                   "customer_import_template.xlsx")
    return _render(request, "form.html", form=UploadForm())
