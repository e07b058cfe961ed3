"""Pages of a long table on the back office's own pages (`core/admin/page.html`, a section's `nav`)."""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _

PER_PAGE = 50


def paginate(request, rows, *, per_page: int | None = None, param="page"):
    """The rows of the page asked for in `request.GET[param]` (a queryset or a list), and the
    section's `nav`: "page n of m, k rows" with links to the previous and next page that keep the
    other parameters of the request."""
    page = Paginator(rows, per_page or PER_PAGE).get_page(request.GET.get(param))
    params = request.GET.copy()
    nav = {"label": _("第%(n)d/%(pages)d页，共%(count)d条") % {
        "n": page.number, "pages": page.paginator.num_pages, "count": page.paginator.count}}
    for key, has, number in (("prev", page.has_previous, page.number - 1), ("next", page.has_next, page.number + 1)):
        if has():
            params[param] = number
            nav[key] = f"?{params.urlencode()}"
    return page.object_list, nav
