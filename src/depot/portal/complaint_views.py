"""Complaints in the customer portal: file one, follow its steps, accept or reject the answer.
The work is the service app's (`complaint_create`, `complaint_customer_verdict`); it is imported
when a page is shown, and the pages say so while complaints are not available."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from depot.core.errors import DomainError
from depot.portal import forms, selectors
from depot.portal.views import portal_required

ORDER_CHOICES = 50


def _unavailable(request):
    return render(request, "portal/complaints_unavailable.html", {"nav": "complaints"}, status=503)


@portal_required
def complaints(request):
    if not selectors.complaints_available():
        return _unavailable(request)
    return render(request, "portal/complaints.html", {
        "nav": "complaints", "complaints": selectors.portal_complaints(user=request.user)[:100]})


@portal_required
def complaint_new(request):
    if not selectors.complaints_available():
        return _unavailable(request)
    from depot.service.services import complaint_create

    orders = list(selectors.portal_orders(user=request.user)[:ORDER_CHOICES])
    initial = {"orders": [request.GET["order"]]} if request.GET.get("order") else None
    form = forms.ComplaintForm(request.POST or None, orders=orders, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("category", "severity", "description")}
        data["orders"] = [form.orders_by_number[n] for n in form.cleaned_data["orders"]]
        try:
            created = complaint_create(actor=request.user, customer=request.customer, data=data)
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("投诉已提交，编号%(code)s。我们会尽快答复。") % {"code": created.code})
            return redirect("portal:complaint", code=created.code)
    return render(request, "portal/complaint_form.html", {"nav": "complaints", "form": form},
                  status=400 if form.is_bound else 200)


def _page(request, code, form=None, status=200):
    context = selectors.portal_complaint_page(user=request.user, code=code)
    return render(request, "portal/complaint.html", {"nav": "complaints", "verdict_form": form or forms.VerdictForm(),
                                                     **context}, status=status)


@portal_required
def complaint(request, code):
    if not selectors.complaints_available():
        return _unavailable(request)
    return _page(request, code)


@portal_required
@require_POST
def complaint_verdict(request, code):
    if not selectors.complaints_available():
        return _unavailable(request)
    from depot.service.services import complaint_customer_verdict

    target = selectors.portal_complaint_page(user=request.user, code=code)["complaint"]
    form = forms.VerdictForm(request.POST)
    if form.is_valid():
        accepted = form.cleaned_data["accepted"]
        try:
            complaint_customer_verdict(actor=request.user, complaint=target, accepted=accepted,
                                       reason=form.cleaned_data["reason"])
        except DomainError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, _("感谢确认，投诉已关闭") if accepted else
                             _("已收到您的意见，我们会重新处理并尽快答复"))
            return redirect("portal:complaint", code=target.code)
    return _page(request, code, form, status=400)
