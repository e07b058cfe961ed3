"""Back-office pages for stock questions and analysis: 库存查询 (by item, lot, location, expiry),
an item's and a lot's page with their movement history, ABC分析, 近效期 and 呆滞库存. Every page
reads through the selectors, so a CS specialist only ever sees their own customers' stock."""

import json
from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from depot.core.errors import DomainError, NotFound
from depot.core.paging import paginate
from depot.customers.selectors import customer_list
from depot.inventory import analysis, forms, selectors, selectors_analysis, services

PAGE = "core/admin/page.html"
NO_DATA = "—"

# --- helpers shared by the inventory pages ------------------------------------------------------


def require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def render(request, *, title, template=PAGE, **context) -> TemplateResponse:
    return TemplateResponse(request, template, {**admin.site.each_context(request), "title": title,
                                                "page_id": "inventory-page", **context})


def link(url: str, text) -> str:
    return format_html('<a class="text-primary-600 dark:text-primary-500" href="{}">{}</a>', url, text)


def label(text, variant="") -> str:
    colours = {"danger": "bg-red-100 text-red-700", "warning": "bg-orange-100 text-orange-700",
               "success": "bg-green-100 text-green-700", "info": "bg-blue-100 text-blue-700"}
    return format_html('<span class="inline-block font-semibold px-2 rounded-default text-xs {}">{}</span>',
                       colours.get(variant, "bg-base-100 text-base-700"), text)


def when(value) -> str:
    if value is None:
        return NO_DATA
    if hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    return date_format(value, "Y-m-d")


def shown(value, suffix="") -> str:
    """A figure, or “无数据” when it has no inputs (never a 0 standing in for a result)."""
    if value is None:
        return _("无数据")
    if isinstance(value, Decimal):
        value = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{value}{suffix}"


def money(value) -> str:
    return NO_DATA if value is None else f"¥{value:,.2f}"


def percent(value) -> str:
    return NO_DATA if value is None else f"{value * 100:.1f}%"


def get_or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404(_("记录不存在或无权访问")) from None


def item_url(item) -> str:
    return reverse("admin:inventory_item_stock", args=[item.pk])


def lot_url(lot) -> str:
    return reverse("admin:inventory_lot_moves", args=[lot.pk])


def owner_text(owner) -> str:
    return f"{owner.code} {owner.short_name or owner.name}"


def chart(data: dict, options: dict | None = None) -> tuple[str, str]:
    return json.dumps(data, ensure_ascii=False), json.dumps(options, ensure_ascii=False) if options else ""


def moves_table(request, moves, *, title) -> dict:
    rows, nav = paginate(request, moves, per_page=20)
    return {"kind": "table", "title": title, "nav": nav,
            "headers": [_("发生时间"), _("类型"), _("货品"), _("批号"), _("来源库位"), _("目标库位"), _("数量"),
                        _("单据"), _("原因"), _("操作人")],
            "rows": [[when(m.at), m.get_kind_display(), m.item.code, link(lot_url(m.lot), m.lot.lot_number),
                      m.from_location.code, m.to_location.code, m.quantity,
                      f"{m.document_type} {m.document_ref}".strip() or NO_DATA, m.reason or NO_DATA,
                      m.actor.get_username() if m.actor else NO_DATA] for m in rows]}


# --- 库存查询 --------------------------------------------------------------------------------------

TABS = [("item", _("按货品")), ("lot", _("按批次")), ("location", _("按库位")), ("expiry", _("按效期"))]


def stock_query(request):
    require(request, "inventory.view_balance")
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(TABS) else "item"
    form = forms.StockFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    owner, warehouse, q = data.get("owner"), data.get("warehouse"), (data.get("q") or "").strip()
    user = request.user
    if tab == "item":
        qs = selectors.stock_by_item(user=user, owner=owner, warehouse=warehouse).filter(is_active=True)
        if q:
            qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(barcode=q))
        rows, nav = paginate(request, qs)
        table = {"headers": [_("货主"), _("货品编码"), _("货品名称"), _("规格"), _("现存"), _("预留"), _("可用"),
                             _("单位")],
                 "rows": [[owner_text(i.owner), link(item_url(i), i.code), i.name, i.spec or NO_DATA, i.on_hand,
                           i.reserved, i.available, i.base_unit] for i in rows]}
    elif tab == "lot":
        qs = selectors.stock_by_lot(user=user, owner=owner, warehouse=warehouse)
        if q:
            qs = qs.filter(Q(lot_number__icontains=q) | Q(item__code__icontains=q) | Q(item__name__icontains=q))
        rows, nav = paginate(request, qs)
        table = {"headers": [_("货主"), _("货品"), _("批号"), _("生产日期"), _("到期日期"), _("收货日期"), _("现存"),
                             _("预留"), _("可用")],
                 "rows": [[owner_text(lot.item.owner), link(item_url(lot.item), lot.item),
                           link(lot_url(lot), lot.lot_number), when(lot.production_date), when(lot.expiry_date),
                           when(lot.received_on), lot.on_hand, lot.reserved, lot.available] for lot in rows]}
    elif tab == "location":
        qs = selectors.stock_by_location(user=user, owner=owner, warehouse=warehouse)
        if q:
            qs = qs.filter(Q(location__code__icontains=q) | Q(item__code__icontains=q) | Q(lot__lot_number=q))
        rows, nav = paginate(request, qs)
        table = {"headers": [_("库位"), _("库区"), _("货主"), _("货品"), _("批号"), _("现存"), _("预留"), _("可用")],
                 "rows": [[b.location.code, b.location.zone.name if b.location.zone else NO_DATA,
                           owner_text(b.item.owner), link(item_url(b.item), b.item),
                           link(lot_url(b.lot), b.lot.lot_number), b.on_hand, b.reserved, b.available]
                          for b in rows]}
    else:
        days = data.get("days")
        days = analysis.DEFAULT_NEAR_EXPIRY_DAYS if days is None else days
        qs = selectors.stock_expiring(user=user, within_days=days, owner=owner, warehouse=warehouse)
        if q:
            qs = qs.filter(Q(lot_number__icontains=q) | Q(item__code__icontains=q) | Q(item__name__icontains=q))
        rows, nav = paginate(request, qs)
        today = timezone.localdate()
        table = {"headers": [_("货主"), _("货品"), _("批号"), _("到期日期"), _("剩余天数"), _("现存"), _("预留"),
                             _("可用")],
                 "rows": [[owner_text(lot.item.owner), link(item_url(lot.item), lot.item),
                           link(lot_url(lot), lot.lot_number), when(lot.expiry_date),
                           _days_left((lot.expiry_date - today).days), lot.on_hand, lot.reserved, lot.available]
                          for lot in rows]}
    params = request.GET.copy()
    params.pop("page", None)
    tabs = []
    for key, text in TABS:
        params["tab"] = key
        tabs.append({"title": text, "link": f"?{params.urlencode()}", "active": key == tab})
    if tab != "expiry":
        form.fields.pop("days")
    return render(request, title=_("库存查询"), tabs=tabs, filter_form=form, keep_params=[("tab", tab)],
                  sections=[{"kind": "table", "title": dict(TABS)[tab], "nav": nav, **table}])


def _days_left(days: int) -> str:
    if days < 0:
        return label(_("已过期%(n)d天") % {"n": -days}, "danger")
    return label(_("%(n)d天") % {"n": days}, "warning" if days <= analysis.DEFAULT_NEAR_EXPIRY_DAYS else "")


# --- an item ---------------------------------------------------------------------------------------


def _figure_rows(f: selectors_analysis.ItemFigures, item) -> list[list]:
    unit = item.base_unit
    no_out = _("期间无出库，无法估计需求")
    s = f.settings
    return [
        [_("观察天数"), shown(f.observed_days or None, _("天")),
         _("自%(start)s起（统计期间开始日与首次入库日中较晚者）至%(end)s") % {
             "start": when(f.observed_since), "end": when(f.until)} if f.observed_since else _("没有库存记录")],
        [_("期间出库"), f"{f.outbound_quantity}{unit} / {money(f.outbound_value)}",
         _("发货流水合计；货值按当前单位货值")],
        [_("平均库存"), shown(f.average_on_hand, unit),
         _("每日日终库存的平均值（期初%(o)s）") % {"o": shown(f.opening)} if f.average_on_hand is not None else
         _("没有库存记录")],
        [_("周转次数"), shown(f.turnover),
         _("出库数量 ÷ 平均库存 = %(q)s ÷ %(a)s；年化%(y)s次") % {
             "q": f.outbound_quantity, "a": shown(f.average_on_hand), "y": shown(f.turnover_annual)}
         if f.turnover is not None else _("平均库存为零或无记录")],
        [_("日均需求"), shown(f.mean_daily_demand and f.mean_daily_demand.quantize(Decimal("0.01")), unit),
         f.demand_source or _("出库数量 ÷ 观察天数（无出库的日子计0）")],
        [_("需求标准差σ"), shown(f.demand_deviation and f.demand_deviation.quantize(Decimal("0.01")), unit),
         _("每日出库数量的样本标准差")],
        [_("可供天数"), shown(f.days_of_cover, _("天")),
         _("现存 ÷ 日均需求 = %(h)s ÷ %(m)s") % {"h": f.on_hand, "m": shown(f.mean_daily_demand and
                                                                        f.mean_daily_demand.quantize(Decimal("0.01")))}
         if f.days_of_cover is not None else no_out],
        [_("补货提前期"), f"{f.lead_time_days}{_('天')}", f.lead_time_source],
        [_("服务水平"), f"{s.service_level * 100:.1f}%", _("z = %(z)s（标准正态分布单侧分位数）；来源：%(src)s") % {
            "z": f.z, "src": s.source}],
        [_("建议安全库存"), shown(f.safety_stock, unit),
         _("z × σ × √提前期 = %(z)s × %(sd)s × √%(l)s，向上取整") % {
             "z": f.z, "sd": shown(f.demand_deviation and f.demand_deviation.quantize(Decimal("0.01"))),
             "l": f.lead_time_days} if f.safety_stock is not None else no_out],
        [_("建议再订货点"), shown(f.reorder_point, unit),
         _("日均需求 × 提前期 + 安全库存") if f.reorder_point is not None else no_out],
        [_("年需求"), shown(f.annual_demand and f.annual_demand.quantize(Decimal("1")), unit),
         _("日均需求 × 365") if f.annual_demand is not None else no_out],
        [_("单位年持有成本"), money(f.holding_cost),
         _("单位货值 %(v)s × 年持有成本率 %(r)s") % {"v": money(item.unit_value), "r": percent(s.holding_cost_rate)}
         if f.holding_cost is not None else _("货品未设置单位货值")],
        [_("经济订货批量EOQ"), shown(f.eoq, unit),
         _("√(2 × 年需求 × 每次补货成本 ÷ 单位年持有成本) = √(2 × %(d)s × %(s)s ÷ %(h)s)") % {
             "d": shown(f.annual_demand and f.annual_demand.quantize(Decimal("1"))), "s": s.order_cost,
             "h": shown(f.holding_cost)} if f.eoq is not None else (no_out if f.annual_demand is None
                                                             else _("货品未设置单位货值"))],
    ]


def item_stock(request, pk):
    require(request, "inventory.view_balance")
    item = get_or_404(selectors.item_get, user=request.user, pk=pk)
    form = forms.PeriodForm(request.GET or None)
    days = form.cleaned_data["days"] if form.is_valid() else analysis.DEFAULT_ANALYSIS_DAYS
    since, until = selectors_analysis.period(days)
    figures = selectors_analysis.item_figures(user=request.user, item=item, since=since, until=until)

    if request.method == "POST" and "apply_suggestion" in request.POST:
        require(request, "inventory.change_item")
        if figures.safety_stock is None or figures.reorder_point is None:
            messages.error(request, _("没有可采用的建议值"))
        else:
            try:
                services.item_update(actor=request.user, item=item, data={
                    "safety_stock": figures.safety_stock, "reorder_point": figures.reorder_point})
                messages.success(request, _("已采用建议：安全库存%(s)d，再订货点%(r)d") % {
                    "s": figures.safety_stock, "r": figures.reorder_point})
            except DomainError as exc:
                messages.error(request, str(exc.message))
        return redirect(request.get_full_path())

    balances = selectors.stock_by_location(user=request.user, item=item)
    cards = [
        {"label": _("现存"), "value": f"{figures.on_hand}{item.base_unit}"},
        {"label": _("预留"), "value": figures.reserved},
        {"label": _("可用"), "value": figures.available},
        {"label": _("ABC分类 / 安全库存 / 再订货点"),
         "value": f"{item.abc_class or NO_DATA} / {item.safety_stock} / {item.reorder_point}",
         "note": _("货品上当前保存的值")},
    ]
    sections = [
        {"kind": "table", "title": _("库存分布"),
         "headers": [_("库位"), _("批号"), _("到期日期"), _("现存"), _("预留"), _("可用")],
         "rows": [[b.location.code, link(lot_url(b.lot), b.lot.lot_number), when(b.lot.expiry_date), b.on_hand,
                   b.reserved, b.available] for b in balances]},
        {"kind": "table", "title": _("分析指标（%(since)s 至 %(until)s）") % {"since": since, "until": until},
         "headers": [_("指标"), _("数值"), _("计算方法与输入")], "rows": _figure_rows(figures, item)},
    ]
    if request.user.has_perm("inventory.change_item") and figures.reorder_point is not None:
        sections.append({"kind": "buttons", "buttons": [
            {"label": _("采用建议的安全库存与再订货点"), "name": "apply_suggestion", "icon": "check"}]})
    if figures.daily:
        data = {"labels": [d.strftime("%m-%d") for d, _q in figures.daily],
                "datasets": [{"label": _("每日出库"), "data": [q for _d, q in figures.daily],
                              "backgroundColor": "#9333ea", "borderColor": "#9333ea", "maxBarThickness": 12}]}
        chart_data, options = chart(data, {"maintainAspectRatio": False, "animation": False,
                                           "plugins": {"legend": {"display": False}},
                                           "scales": {"y": {"beginAtZero": True}}})
        sections.append({"kind": "chart", "type": "bar", "title": _("每日出库数量"), "data": chart_data,
                         "options": options, "height": 220})
    sections.append(moves_table(request, selectors.item_moves(user=request.user, item=item), title=_("出入库流水")))
    return render(request, title=f"{item.code} {item.name} · {owner_text(item.owner)}", cards=cards,
                  filter_form=form, sections=sections)


def lot_moves(request, pk):
    require(request, "inventory.view_stockmove")
    lot = get_or_404(selectors.lot_get, user=request.user, pk=pk)
    balances = selectors.stock_by_location(user=request.user, item=lot.item).filter(lot=lot)
    total = sum(b.on_hand for b in balances)
    reserved = sum(b.reserved for b in balances)
    cards = [
        {"label": _("货品"), "value": lot.item.code, "href": item_url(lot.item), "note": lot.item.name},
        {"label": _("现存 / 预留 / 可用"), "value": f"{total} / {reserved} / {total - reserved}"},
        {"label": _("生产日期 / 到期日期"), "value": f"{when(lot.production_date)} / {when(lot.expiry_date)}"},
        {"label": _("收货日期"), "value": when(lot.received_on)},
    ]
    sections = [
        {"kind": "table", "title": _("库存分布"), "headers": [_("库位"), _("现存"), _("预留"), _("可用")],
         "rows": [[b.location.code, b.on_hand, b.reserved, b.available] for b in balances]},
        moves_table(request, selectors.item_moves(user=request.user, lot=lot), title=_("批次流水")),
    ]
    return render(request, title=_("批次%(lot)s · %(item)s") % {"lot": lot.lot_number, "item": lot.item},
                  cards=cards, sections=sections)


# --- ABC分析 ----------------------------------------------------------------------------------------

ABC_COLOURS = {"A": "#9333ea", "B": "#c084fc", "C": "#d4d4d8"}
CHART_ITEMS = 40


def abc_page(request):
    require(request, "inventory.view_stockmove")
    owners = customer_list(user=request.user).order_by("code")
    params = request.GET.copy()
    if "owner" not in params:
        first = owners.filter(items__isnull=False).first() or owners.first()
        if first is not None:
            params["owner"] = first.pk
    params.setdefault("days", analysis.DEFAULT_ANALYSIS_DAYS)
    form = forms.AbcForm(params, user=request.user)
    if not form.is_valid():
        return render(request, title=_("ABC分析"), filter_form=form, sections=[])
    owner, days = form.cleaned_data["owner"], form.cleaned_data["days"]
    since, until = selectors_analysis.period(days)

    if request.method == "POST" and "apply_abc" in request.POST:
        require(request, "inventory.classify_abc")
        try:
            counts = services.abc_classification_apply(actor=request.user, owner=owner, since=since, until=until)
            messages.success(request, _("已更新货品ABC分类：A类%(A)d个，B类%(B)d个，C类%(C)d个") % counts)
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages()))
        return redirect(f"{request.path}?{params.urlencode()}")

    result = selectors_analysis.abc_analysis(user=request.user, owner=owner, since=since, until=until)
    thresholds = _("分类规则：按期间发货货值从高到低排序，累计占比达到%(a)s之前（含跨过%(a)s的那一项）为A类，"
                   "其后累计至%(b)s为B类，其余为C类（期间无出库的货品为C类）。货值 = 发货数量 × 货品当前单位货值。") % {
        "a": percent(analysis.A_SHARE), "b": percent(analysis.B_SHARE)}
    if not result.has_data:
        return render(request, title=_("ABC分析"), filter_form=form, sections=[
            {"kind": "text", "title": _("无数据"), "lines": [
                _("%(owner)s在%(since)s至%(until)s期间没有发货记录，无法分类。") % {
                    "owner": owner_text(owner), "since": since, "until": until}, thresholds]}])
    cards = [{"label": _("期间发货货值"), "value": money(result.total_value), "note": f"{since} — {until}"}]
    cards += [{"label": _("%(cls)s类货品") % {"cls": cls}, "value": info["items"],
               "note": _("货值%(v)s，占%(p)s") % {"v": money(info["value"]), "p": percent(info["share"])}}
              for cls, info in result.classes.items()]
    top = result.rows[:CHART_ITEMS]
    data = {"labels": [r.item.code for r in top], "datasets": [
        {"type": "line", "label": _("累计占比（%）"), "data": [float(round(r.cumulative * 100, 1)) for r in top],
         "yAxisID": "y1", "borderColor": "#f59e0b", "backgroundColor": "#f59e0b", "pointRadius": 2},
        {"type": "bar", "label": _("发货货值（元）"), "data": [float(r.value) for r in top], "yAxisID": "y",
         "backgroundColor": [ABC_COLOURS[r.abc_class] for r in top], "maxBarThickness": 28},
    ]}
    chart_data, options = chart(data, {
        "maintainAspectRatio": False, "animation": False,
        "plugins": {"legend": {"display": True, "position": "top", "align": "end"}},
        "scales": {"y": {"beginAtZero": True, "position": "left"},
                   "y1": {"min": 0, "max": 100, "position": "right", "grid": {"drawOnChartArea": False}}},
    })
    rows = [[r.abc_class, link(item_url(r.item), r.item.code), r.item.name, r.quantity, money(r.value),
             percent(r.share), percent(r.cumulative), r.item.abc_class or NO_DATA] for r in result.rows]
    sections = [
        {"kind": "chart", "type": "bar", "title": _("帕累托图（前%(n)d个货品；紫色A类、浅紫B类、灰色C类）") % {
            "n": len(top)}, "data": chart_data, "options": options, "note": thresholds},
        {"kind": "table", "title": _("分类明细"), "rows": rows,
         "headers": [_("分类"), _("货品编码"), _("货品名称"), _("发货数量"), _("发货货值"), _("占比"), _("累计占比"),
                     _("当前保存的分类")]},
    ]
    if request.user.has_perm("inventory.classify_abc"):
        sections.insert(0, {"kind": "buttons", "buttons": [
            {"label": _("将此分类应用到货品（循环盘点按此分类）"), "name": "apply_abc", "icon": "check",
             "variant": "primary"}]})
    return render(request, title=_("ABC分析 · %(owner)s") % {"owner": owner_text(owner)}, filter_form=form,
                  cards=cards, sections=sections)


# --- 近效期 / 呆滞库存 -----------------------------------------------------------------------------

REASONS = {analysis.EXPIRED: (_("已过期"), "danger"), analysis.WITHIN_DAYS: (_("临近到期"), "warning"),
           analysis.SHELF_LIFE_USED: (_("已过保质期的三分之二"), "info")}


def near_expiry_page(request):
    require(request, "inventory.view_balance")
    form = forms.ListFilterForm(request.GET or None, user=request.user, days_label=_("到期窗口（天）"),
                                days_default=analysis.DEFAULT_NEAR_EXPIRY_DAYS)
    data = form.cleaned_data if form.is_valid() else {}
    days = data.get("days")
    days = analysis.DEFAULT_NEAR_EXPIRY_DAYS if days is None else days
    today = timezone.localdate()
    lots, nav = paginate(request, selectors_analysis.near_expiry(user=request.user, within_days=days,
                                                                 owner=data.get("owner"), today=today))
    rows = []
    for lot in lots:
        reason = analysis.expiry_reason(expiry_date=lot.expiry_date, life_days=lot.life_days, today=today,
                                        within_days=days)
        text, variant = REASONS.get(reason, (NO_DATA, ""))
        rows.append([owner_text(lot.item.owner), link(item_url(lot.item), lot.item), link(lot_url(lot), lot.lot_number),
                     when(lot.production_date), when(lot.expiry_date), _days_left(lot.days_left),
                     label(text, variant), lot.on_hand, lot.reserved, lot.available])
    note = _("列出有库存且已过期、%(d)d天内到期，或已过保质期三分之二（剩余不足三分之一）的批次；"
             "保质期按批次的生产日期至到期日期计算，没有生产日期时按货品保质期。") % {"d": days}
    return render(request, title=_("近效期"), filter_form=form, sections=[
        {"kind": "table", "title": _("近效期批次"), "note": note, "nav": nav, "rows": rows,
         "headers": [_("货主"), _("货品"), _("批号"), _("生产日期"), _("到期日期"), _("剩余"), _("原因"), _("现存"),
                     _("预留"), _("可用")]}])


def slow_moving_page(request):
    require(request, "inventory.view_balance")
    form = forms.ListFilterForm(request.GET or None, user=request.user, days_label=_("无出库天数"),
                                days_default=analysis.DEFAULT_SLOW_MOVING_DAYS)
    data = form.cleaned_data if form.is_valid() else {}
    days = data.get("days") or analysis.DEFAULT_SLOW_MOVING_DAYS
    today = timezone.localdate()
    items, nav = paginate(request, selectors_analysis.slow_moving(user=request.user, days=days,
                                                                  owner=data.get("owner"), today=today))
    rows = [[owner_text(i.owner), link(item_url(i), i.code), i.name, i.on_hand, i.available,
             money(i.unit_value * i.on_hand), when(i.last_outbound) if i.last_outbound else _("从未出库"),
             when(i.first_receipt),
             analysis.idle_days(last_outbound=i.last_outbound and timezone.localdate(i.last_outbound),
                                first_receipt=i.first_receipt and timezone.localdate(i.first_receipt), today=today)]
            for i in items]
    note = _("有库存、且%(d)d天以上没有发货的货品（从未发货的按首次入库日起算）。") % {"d": days}
    return render(request, title=_("呆滞库存"), filter_form=form, sections=[
        {"kind": "table", "title": _("呆滞货品"), "note": note, "nav": nav, "rows": rows,
         "headers": [_("货主"), _("货品编码"), _("货品名称"), _("现存"), _("可用"), _("库存货值"), _("最近发货"),
                     _("首次入库"), _("呆滞天数")]}])


def urls(admin_site) -> list:
    """The pages above, mounted under the item admin (/admin/inventory/item/…)."""
    def view(fn):
        return admin_site.admin_view(fn)

    return [
        path("stock/", view(stock_query), name="inventory_stock"),
        path("<int:pk>/stock/", view(item_stock), name="inventory_item_stock"),
        path("lots/<int:pk>/", view(lot_moves), name="inventory_lot_moves"),
        path("abc/", view(abc_page), name="inventory_abc"),
        path("near-expiry/", view(near_expiry_page), name="inventory_near_expiry"),
        path("slow-moving/", view(slow_moving_page), name="inventory_slow_moving"),
    ]
