"""The customer portal's pages. Every view takes the customer from the logged-in user's portal
account (`portal_required`), never from the URL; objects named in the URL are looked up within
that customer and are "not found" otherwise. Writes go through the same services as the API,
acting as the portal user, so timelines and the audit trail name the person."""

from functools import wraps

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from depot.core.errors import DomainError, NotFound
from depot.core.errors import PermissionDenied as DomainPermissionDenied
from depot.core.excel import read_bytes, xlsx_response
from depot.orders import excel as order_excel
from depot.orders.choices import Channel, ImportState, OutboundState
from depot.orders.services import inbound_create, outbound_confirm_receipt, outbound_submit
from depot.portal import excel, forms, selectors
from depot.portal.services import portal_login_record

PAGE_SIZE = 20
STOCK_VIEWS = [("item", "按货品"), ("lot", "按批次"), ("location", "按库位"), ("expiry", "近效期")]
ORDER_FILTERS = [("", "全部"), ("open", "处理中"), ("receipt", "待签收"), (OutboundState.CONFIRMED, "已签收"),
                 (OutboundState.CANCELLED, "已取消")]


def portal_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        account = selectors.portal_account_for(request.user)
        if account is None or not request.user.has_perm("portal.use_portal"):
            return render(request, "portal/denied.html", status=403)
        request.portal_account, request.customer = account, account.customer
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except DomainPermissionDenied:
            return render(request, "portal/denied.html", status=403)

    return wrapper


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _items_for_search(request) -> list[dict]:
    return selectors.portal_items(user=request.user, limit=500)


# ---- login ----------------------------------------------------------------------------------

class ThrottledLoginForm(forms.PortalLoginForm):
    """The portal's login form, refusing a locked-out username and address before anything else:
    the portal form checks the password itself to tell staff to use the back office, which during a
    lockout would reveal a right guess. Axes' middleware then answers with the lockout page."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            credentials = get_credentials(username)
            if not AxesProxyHandler.is_allowed(self.request, credentials):
                self.request.axes_locked_out, self.request.axes_credentials = True, credentials
                raise ValidationError(_("登录已暂时锁定"), code="locked_out")
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = ThrottledLoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        account = selectors.portal_account_for(form.get_user())
        if account is not None:
            portal_login_record(account=account)
        return response

    def get_default_redirect_url(self):
        return reverse("portal:overview")


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:overview")

    def form_valid(self, form):
        messages.success(self.request, _("密码已修改"))
        return super().form_valid(form)


password_change = portal_required(PasswordChangeView.as_view())


# ---- overview and stock ---------------------------------------------------------------------

@portal_required
def overview(request):
    return render(request, "portal/overview.html", {"nav": "overview", **selectors.portal_overview(user=request.user)})


@portal_required
def stock(request):
    view = request.GET.get("view", "item")
    if view not in dict(STOCK_VIEWS):
        view = "item"
    query = request.GET.get("q", "").strip()
    rows = selectors.portal_stock(user=request.user, view=view, query=query)
    return render(request, "portal/stock.html", {
        "nav": "stock", "view": view, "views": [(k, _(label)) for k, label in STOCK_VIEWS], "q": query,
        "page": _page(request, rows), "expiry_days": selectors.EXPIRY_DAYS})


@portal_required
def stock_export(request):
    return xlsx_response(excel.stock_workbook(user=request.user), _("库存") + f"-{request.customer.code}.xlsx",
                         f"stock-{request.customer.code}.xlsx")


# ---- outbound orders ------------------------------------------------------------------------

@portal_required
def orders(request):
    state = request.GET.get("state", "")
    query = request.GET.get("q", "").strip()
    qs = selectors.portal_orders(user=request.user, state=state, query=query)
    return render(request, "portal/orders.html", {
        "nav": "orders", "state": state, "q": query, "filters": [(k, _(label)) for k, label in ORDER_FILTERS],
        "page": _page(request, qs)})


@portal_required
def orders_export(request):
    data = excel.orders_workbook(user=request.user, state=request.GET.get("state", ""),
                                 query=request.GET.get("q", ""))
    return xlsx_response(data, _("出库单") + f"-{request.customer.code}.xlsx", f"orders-{request.customer.code}.xlsx")


@portal_required
def order(request, number):
    context = selectors.portal_order_page(user=request.user, number=number)
    return render(request, "portal/order.html", {"nav": "orders", "receipt_form": forms.ReceiptForm(), **context})


@portal_required
@require_POST
def order_confirm(request, number):
    target = selectors.portal_order_get(user=request.user, number=number)
    form = forms.ReceiptForm(request.POST)
    if form.is_valid():
        try:
            outbound_confirm_receipt(actor=request.user, order=target, rating=form.cleaned_data["rating"],
                                     comment=form.cleaned_data["comment"])
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("已确认签收，感谢您的评价"))
            return redirect("portal:order", number=target.number)
    context = selectors.portal_order_page(user=request.user, number=number)
    return render(request, "portal/order.html", {"nav": "orders", "receipt_form": form, **context}, status=400)


@portal_required
def order_new(request):
    items = _items_for_search(request)
    known = {i["code"] for i in items}
    form = forms.OutboundForm(request.POST or None, known_codes=known)
    if request.method == "POST" and form.is_valid():
        try:
            created, _new = outbound_submit(actor=request.user, customer=request.customer, data=form.header(),
                                            lines=form.lines(), channel=Channel.PORTAL,
                                            external_ref=form.cleaned_data.get("external_ref") or "")
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("订单%(number)s已提交，当前状态：%(state)s") % {
                "number": created.number, "state": created.get_state_display()})
            return redirect("portal:order", number=created.number)
    return render(request, "portal/order_form.html", {"nav": "new", "form": form, "items": items},
                  status=400 if form.is_bound else 200)


# ---- inbound notices ------------------------------------------------------------------------

@portal_required
def inbounds(request):
    return render(request, "portal/inbounds.html", {
        "nav": "inbound", "page": _page(request, selectors.portal_inbounds(user=request.user))})


@portal_required
def inbound(request, number):
    return render(request, "portal/inbound.html", {
        "nav": "inbound", **selectors.portal_inbound_get(user=request.user, number=number)})


@portal_required
def inbound_new(request):
    items = _items_for_search(request)
    form = forms.InboundForm(request.POST or None, known_codes={i["code"] for i in items})
    if request.method == "POST" and form.is_valid():
        try:
            created, _new = inbound_create(actor=request.user, customer=request.customer, data=form.header(),
                                           lines=form.lines(), channel=Channel.PORTAL,
                                           external_ref=form.cleaned_data.get("external_ref") or "")
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("入库预报%(number)s已提交") % {"number": created.number})
            return redirect("portal:inbound", number=created.number)
    return render(request, "portal/inbound_form.html", {"nav": "inbound", "form": form, "items": items},
                  status=400 if form.is_bound else 200)


# ---- Excel upload of orders -----------------------------------------------------------------

@portal_required
def upload(request):
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            record = order_excel.order_import_start(actor=request.user, file=read_bytes(upload_file),
                                                    file_name=upload_file.name)
        except ValueError as exc:
            form.add_error("file", str(exc))
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            if not record.background:
                order_excel.order_import_run(import_id=record.pk)
            return redirect("portal:upload_status", pk=record.pk)
    recent = order_excel.order_import_list(user=request.user)[:10]
    return render(request, "portal/upload.html", {
        "nav": "new", "form": form, "recent": recent, "max_rows": order_excel.MAX_ROWS,
        "background_rows": order_excel.BACKGROUND_ROWS}, status=400 if form.is_bound else 200)


@portal_required
def upload_template(request):
    return xlsx_response(order_excel.import_template(user=request.user), _("出库单导入模板") + ".xlsx",
                         "outbound_import_template.xlsx")


@portal_required
def upload_status(request, pk):
    record = order_excel.order_import_list(user=request.user).filter(pk=pk).first()
    if record is None:
        raise Http404
    states = dict(OutboundState.choices)
    return render(request, "portal/upload_status.html", {
        "nav": "new", "record": record, "waiting": record.state in (ImportState.QUEUED, ImportState.RUNNING),
        "orders": [{**o, "state_label": states.get(o.get("state"), o.get("state", ""))} for o in record.orders]})
