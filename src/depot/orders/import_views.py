"""出库单Excel导入 in the back office: upload (a small file is imported at once, a large one by a
background job), the template download, and each import's status page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from depot.core.errors import DomainError
from depot.core.excel import read_bytes, xlsx_response
from depot.orders import excel, forms
from depot.orders.admin_views import label, link, render, when, who
from depot.orders.choices import ImportState, OutboundState

PERM = "orders.add_outboundorder"
STATE_VARIANTS = {ImportState.QUEUED: "info", ImportState.RUNNING: "warning", ImportState.DONE: "success",
                  ImportState.FAILED: "danger"}


def _require(request) -> None:
    if not request.user.has_perm(PERM):
        raise PermissionDenied


def status_url(record) -> str:
    return reverse("admin:orders_outbound_import_status", args=[record.pk])


def import_view(request):
    """GET: the upload form and the user's recent imports. POST: record the file and import it
    (now, or in the background when it is large), then its status page."""
    _require(request)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = read_bytes(upload)
            record = excel.order_import_start(actor=request.user, file=content, file_name=upload.name)
        except ValueError as exc:
            form.add_error("file", str(exc))
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            if record.background:
                messages.info(request, _("文件共%(n)d行，已转入后台导入，完成后本页显示结果") % {"n": record.rows})
            else:
                excel.order_import_run(import_id=record.pk)
            return redirect(status_url(record))
    recent = excel.order_import_list(user=request.user)[:10]
    note = _("每行一个货品，同一客户单号的多行合为一张出库单；最多%(max)s行，超过%(bg)s行在后台导入。"
             "任何一行有错误时不导入任何订单。") % {"max": excel.MAX_ROWS, "bg": excel.BACKGROUND_ROWS}
    sections = [
        {"kind": "buttons", "buttons": [{"label": _("下载导入模板"), "icon": "download",
                                         "href": reverse("admin:orders_outbound_import_template")}]},
        {"kind": "form", "title": _("上传文件"), "forms": [form], "submit_label": _("导入"), "multipart": True,
         "note": note, "cancel_href": reverse("admin:orders_outboundorder_changelist")},
        _imports_table(recent),
    ]
    return render(request, title=_("Excel导入出库单"), sections=sections)


def _imports_table(records) -> dict:
    return {"kind": "table", "title": _("最近的导入"), "headers": [
        _("上传时间"), _("文件名"), _("导入人"), _("数据行数"), _("状态"), _("新建订单"), _("已存在订单")],
        "rows": [[link(status_url(r), when(r.created_at)), r.file_name, who(r.created_by), r.rows,
                  label(r.get_state_display(), STATE_VARIANTS.get(r.state, "")), r.created_count, r.existing_count]
                 for r in records]}


def template_view(request):
    _require(request)
    return xlsx_response(excel.import_template(user=request.user), _("出库单导入模板") + ".xlsx",
                         "outbound_import_template.xlsx")


def status_view(request, pk):
    _require(request)
    record = excel.order_import_list(user=request.user).filter(pk=pk).first()
    if record is None:
        raise Http404(_("记录不存在或无权访问"))
    waiting = record.state in (ImportState.QUEUED, ImportState.RUNNING)
    cards = [
        {"label": _("状态"), "value": record.get_state_display(),
         "note": _("后台导入") if record.background else _("即时导入")},
        {"label": _("文件"), "value": record.file_name, "note": _("%(who)s · %(at)s") % {
            "who": who(record.created_by), "at": when(record.created_at)}},
        {"label": _("数据行数"), "value": record.rows},
        {"label": _("新建 / 已存在订单"), "value": f"{record.created_count} / {record.existing_count}",
         "note": _("完成时间：%(t)s") % {"t": when(record.finished_at)}},
    ]
    sections = []
    if waiting:
        sections.append({"kind": "text", "title": _("正在导入"), "lines": [
            _("文件在后台导入中，本页每5秒自动刷新。导入需要后台任务进程（depot worker）在运行。")]})
    if record.errors:
        sections.append({"kind": "table", "title": _("错误（未导入任何订单，请修改文件后重新上传）"),
                         "headers": [_("行"), _("列"), _("问题")],
                         "rows": [[e.get("row") or "", e.get("column") or "", e.get("message")]
                                  for e in record.errors]})
    if record.orders:
        states = dict(OutboundState.choices)
        sections.append({"kind": "table", "title": _("订单"), "headers": [
            _("出库单号"), _("客户单号"), _("导入时状态"), _("结果")],
            "rows": [[link(reverse("admin:orders_outboundorder_change", args=[o["id"]]), o["number"]),
                      o.get("external_ref", ""),
                      states.get(o.get("state"), o.get("state", "")),
                      _("新建") if o["created"] else _("已存在（未重复建单）")] for o in record.orders]})
    sections.append({"kind": "buttons", "buttons": [
        {"label": _("继续导入"), "icon": "upload", "href": reverse("admin:orders_outbound_import")},
        {"label": _("出库单列表"), "icon": "list", "href": reverse("admin:orders_outboundorder_changelist")}]})
    return render(request, title=_("出库单导入：%(f)s") % {"f": record.file_name}, cards=cards, sections=sections,
                  refresh=5 if waiting else None)
