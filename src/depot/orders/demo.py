"""Demo orders on top of the inventory demo's items and stock, all through the services as the
people who would do each step: CS (the customer's specialist) takes orders, a supervisor decides
credit reviews, the keeper picks, packs, ships and receives.

- History: about two months of orders that went all the way to the customer's receipt, some of
  them shipped late, so on-time rates and the customers' grading inputs have data. The services
  stamp the current time, so each step of the history runs with the clock set to the moment it
  happened (`_clock`).
- Now: outbound orders in every state (a newcomer can take any of them on from where it stands)
  and inbound orders announced, received with a discrepancy, and put away.

Customers are not notified of demo orders: the demo contacts' addresses look real.
"""

import datetime
import random
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from depot.core import roles
from depot.core.errors import DomainError
from depot.customers.choices import Status
from depot.inventory import selectors as stock
from depot.inventory.models import Item, Warehouse
from depot.orders import notify, services
from depot.orders.choices import Channel, InboundState, OutboundState, ServiceLevel
from depot.orders.models import CreditReview, InboundOrder, OrderException, OutboundOrder, Package, PickList

HISTORY_DAYS = 70
HISTORY_EVERY_DAYS = 9
HISTORY_OWNERS = 6
DEMO_REF = "DEMO-"
CARRIERS = ["顺丰速运", "京东物流", "德邦快递", "中通快运", "跨越速运"]
CONSIGNEES = [
    ("王建华", "13917745210", "上海市", "上海市", "闵行区", "莘庄工业区春东路508号2号门"),
    ("刘晓燕", "13811902376", "北京市", "北京市", "大兴区", "亦庄经济开发区科创十三街18号院"),
    ("陈志强", "13602218847", "广东省", "广州市", "白云区", "太和镇大源北路18号物流园C区"),
    ("赵敏", "13957120985", "浙江省", "杭州市", "余杭区", "仓前街道文一西路1500号"),
    ("孙立新", "18951667730", "江苏省", "南京市", "江宁区", "秣陵街道将军大道629号"),
    ("周海涛", "13508187761", "四川省", "成都市", "双流区", "西航港街道物联大道88号"),
]
COMMENTS = ["包装完好，送货及时", "比约定时间晚了半天，其他满意", "司机服务态度好", "货物与单据一致", ""]


@contextmanager
def _clock(moment: datetime.datetime):
    """Run the services as if it were `moment` (history): `timezone.now` answers `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _staff(actor) -> dict:
    users = get_user_model().objects.filter(is_active=True).order_by("pk")

    def first(role, perm):
        if actor.has_perm(perm) and role in roles.user_roles(actor):
            return actor
        return users.filter(groups__name=role).first() or (actor if actor.has_perm(perm) else None)

    staff = {"supervisor": first(roles.CS_SUPERVISOR, "orders.decide_credit_review"),
             "keeper": first(roles.WAREHOUSE_KEEPER, "orders.execute_outbound")}
    if None in staff.values():
        raise ImproperlyConfigured("订单演示数据需要一位客户服务主管和一位仓库管理员")
    return staff


def _cs(customer, staff):
    owner = customer.owner
    if owner is not None and owner.is_active and owner.has_perm("orders.add_outboundorder"):
        return owner
    return staff["supervisor"]


def _consignee(rng: random.Random) -> dict:
    name, phone, province, city, district, address = rng.choice(CONSIGNEES)
    return {"consignee_name": name, "consignee_phone": phone, "province": province, "city": city,
            "district": district, "address": address}


class _Builder:
    def __init__(self, *, staff, rng: random.Random):
        self.staff = staff
        self.rng = rng
        self.n = 0

    def ref(self, tag: str) -> str:
        self.n += 1
        return f"{DEMO_REF}{tag}-{self.n:04d}"

    def submit(self, customer, lines, *, tag, data=None, service_level=ServiceLevel.STANDARD, channel=Channel.PHONE,
               **extra):
        data = {**_consignee(self.rng), "service_level": service_level, **(data or {}), **extra}
        order, _created = services.outbound_submit(
            actor=_cs(customer, self.staff), customer=customer, data=data, channel=channel, external_ref=self.ref(tag),
            lines=[{"item_code": item.code if hasattr(item, "code") else item, "quantity": q} for item, q in lines])
        return order

    def approve(self, order, *, reason="长期合作客户，回款正常，同意发货"):
        review = CreditReview.objects.filter(order=order, state="pending").first()
        if review is not None:
            services.credit_review_decide(actor=self.staff["supervisor"], review=review, approve=True, reason=reason)
        order.refresh_from_db()
        return order

    def pick_list(self, orders):
        return services.picklist_create(actor=self.staff["keeper"], orders=orders)

    def pick_all(self, order):
        for line in order.pick_lines.filter(confirmed_at__isnull=True, cancelled=False).order_by("pk"):
            services.pick_confirm(actor=self.staff["keeper"], pick_line=line, picked_quantity=line.quantity)
        order.refresh_from_db()
        return order

    def pack(self, order):
        boxes = [{"weight_kg": str(round(self.rng.uniform(2, 18), 1)), "length_cm": "60", "width_cm": "40",
                  "height_cm": "40"} for _n in range(self.rng.choice((1, 1, 2)))]
        services.outbound_pack(actor=self.staff["keeper"], order=order, packages=boxes)

    def ship(self, order):
        carrier = self.rng.choice(CARRIERS)
        services.outbound_ship(actor=self.staff["keeper"], order=order, carrier=carrier,
                               tracking_number=f"{self.rng.choice('SJDZK')}F{self.rng.randrange(10**11, 10**12)}")

    def deliver(self, order, note="收货人本人签收"):
        services.outbound_deliver(actor=self.staff["keeper"], order=order, note=note)

    def confirm(self, order, customer):
        rating = self.rng.choices((5, 4, 3, 2), weights=(6, 3, 1, 0.3))[0]
        services.outbound_confirm_receipt(actor=_cs(customer, self.staff), order=order, rating=rating,
                                          comment=self.rng.choice(COMMENTS))


def _items_with_stock(user, owners) -> dict:
    """Per owner, the active items with available stock (fresh goods left out: their lots turn
    over every few days)."""
    out = {}
    for item in stock.stock_by_item(user=user).filter(owner__in=owners, is_active=True, available__gt=20).filter(
            Q(shelf_life_days__isnull=True) | Q(shelf_life_days__gt=60)).order_by("owner_id", "code"):
        out.setdefault(item.owner_id, []).append(item)
    return out


# ---- history ------------------------------------------------------------------------------------

def _history(builder: _Builder, owners, items) -> int:
    rng, made = builder.rng, 0
    now = timezone.now()
    for offset, customer in enumerate(owners):
        stocked = items.get(customer.pk) or []
        if not stocked:
            continue
        day = HISTORY_DAYS - offset
        while day > 7:
            start = timezone.localtime(now - datetime.timedelta(days=day)).replace(
                hour=rng.randint(8, 14), minute=rng.choice((5, 20, 35, 50)), second=0, microsecond=0)
            picked = rng.sample(stocked, k=min(len(stocked), rng.choice((1, 1, 2))))
            level = rng.choices(list(ServiceLevel), weights=(6, 3, 1))[0]
            late = made % 6 == 3  # about one order in six leaves after its due time
            try:
                _one_history_order(builder, customer, [(i, rng.randint(1, 4)) for i in picked], start, level, late)
                made += 1
            except DomainError:
                pass  # not enough stock left for this one: the history simply has one order less
            day -= HISTORY_EVERY_DAYS + rng.randint(-2, 2)
    return made


def _one_history_order(builder, customer, lines, start, level, late) -> None:
    rng = builder.rng
    with transaction.atomic():
        with _clock(start):
            order = builder.submit(customer, lines, tag="H", service_level=level,
                                   channel=rng.choice((Channel.PHONE, Channel.EMAIL, Channel.EXCEL)))
        if order.state == OutboundState.CREDIT_REVIEW:
            with _clock(start + datetime.timedelta(minutes=40)):
                order = builder.approve(order)
        if order.state != OutboundState.ALLOCATED:
            raise DomainError("not allocated")
        due = order.due_at
        ship_at = due + datetime.timedelta(hours=rng.randint(3, 20)) if late else min(
            due - datetime.timedelta(hours=rng.randint(1, 6)), start + datetime.timedelta(hours=rng.randint(3, 30)))
        ship_at = max(ship_at, start + datetime.timedelta(hours=2))
        with _clock(ship_at - datetime.timedelta(minutes=90)):
            builder.pick_list([order])
        with _clock(ship_at - datetime.timedelta(minutes=60)):
            builder.pick_all(order)
        with _clock(ship_at - datetime.timedelta(minutes=20)):
            builder.pack(order)
        with _clock(ship_at):
            builder.ship(order)

        arrived = ship_at + datetime.timedelta(hours=rng.randint(16, 40))
        with _clock(arrived):
            builder.deliver(order)
        with _clock(arrived + datetime.timedelta(hours=rng.randint(2, 20))):
            builder.confirm(order, customer)
        # rows whose creation time is a model default (not the services' clock) follow the history too
        PickList.objects.filter(lines__order=order).update(created_at=ship_at - datetime.timedelta(minutes=90),
                                                           completed_at=ship_at - datetime.timedelta(minutes=60))
        Package.objects.filter(order=order).update(created_at=ship_at - datetime.timedelta(minutes=20))
        CreditReview.objects.filter(order=order).update(requested_at=start)


# ---- now ----------------------------------------------------------------------------------------

def _current(builder: _Builder, owners, items, newcomer) -> dict:
    """Outbound orders in every state, for the first owners (the first is kefu's customer)."""
    staff, rng = builder.staff, builder.rng
    made = {}

    def keep(order):
        order.refresh_from_db()
        made.setdefault(order.state, []).append(order.number)
        return order

    stocked = [c for c in owners if items.get(c.pk)]
    main = stocked[0]
    other = stocked[1] if len(stocked) > 1 else main
    a, b = items[main.pk][0], (items[main.pk][1:] or items[main.pk])[0]

    def ready(customer=main, lines=None, **kwargs):
        order = builder.submit(customer, lines or [(a, rng.randint(2, 6))], tag="N", **kwargs)
        return builder.approve(order)

    # 待补充: no phone, and an item code the warehouse does not know yet
    keep(builder.submit(main, [(a, 5), ("NEW-SKU-2026", 10)], tag="N", data={"consignee_phone": ""}))
    # 待审核: taken in, not audited yet
    order, _created = services.outbound_create(
        actor=_cs(main, staff), customer=main, data=_consignee(rng), lines=[{"item_code": b.code, "quantity": 3}],
        channel=Channel.EMAIL, external_ref=builder.ref("N"))
    keep(order)
    order, _created = services.outbound_create(
        actor=_cs(other, staff), customer=other, data={**_consignee(rng), "service_level": ServiceLevel.EXPRESS},
        lines=[{"item_code": items[other.pk][0].code, "quantity": 2}], channel=Channel.PHONE,
        external_ref=builder.ref("N"))
    keep(order)
    # 信用审核 and 已拒绝: a new customer's orders
    if newcomer is not None and items.get(newcomer.pk):
        item = items[newcomer.pk][0]
        keep(builder.submit(newcomer, [(item, 5)], tag="N"))
        rejected = builder.submit(newcomer, [(item, 8)], tag="N")
        review = CreditReview.objects.filter(order=rejected, state="pending").first()
        if review is not None:
            services.credit_review_decide(actor=staff["supervisor"], review=review, approve=False,
                                          reason="新客户尚未签订月结协议，请先预付货款")
        keep(rejected)
    # 已暂挂: more than there is
    available = stock.stock_by_item(user=staff["supervisor"]).get(pk=a.pk).available
    keep(ready(lines=[(a, available + 50)]))
    # 已分配 (two, for a wave), 拣货中, 已挂起
    keep(ready())
    keep(ready(customer=other, lines=[(items[other.pk][0], 2)]))
    picking = ready()
    builder.pick_list([picking])
    keep(picking)
    suspended = ready(lines=[(b, 4)])
    builder.pick_list([suspended])
    line = suspended.pick_lines.order_by("pk").first()
    services.pick_confirm(actor=staff["keeper"], pick_line=line, picked_quantity=line.quantity - 1,
                          damaged_quantity=1, note="外箱压损，内包装渗漏")
    keep(suspended)
    # 已拣货, 已包装, 已发货, 已送达, 已签收
    for target in (OutboundState.PICKED, OutboundState.PACKED, OutboundState.SHIPPED, OutboundState.DELIVERED,
                   OutboundState.CONFIRMED):
        order = ready(service_level=rng.choice(list(ServiceLevel)))
        builder.pick_list([order])
        builder.pick_all(order)
        if target != OutboundState.PICKED:
            builder.pack(order)
        if target in (OutboundState.SHIPPED, OutboundState.DELIVERED, OutboundState.CONFIRMED):
            builder.ship(order)
        if target in (OutboundState.DELIVERED, OutboundState.CONFIRMED):
            builder.deliver(order)
        if target == OutboundState.CONFIRMED:
            builder.confirm(order, main)
        keep(order)
    # 已取消
    cancelled = ready()
    services.outbound_cancel(actor=_cs(main, staff), order=cancelled,
                             reason="客户来电取消：收货地址变更，改为下周重新下单")
    keep(cancelled)
    return made


def _inbound(builder: _Builder, owners, items) -> dict:
    staff, rng = builder.staff, builder.rng
    warehouse = Warehouse.objects.filter(is_active=True).order_by("code").first()
    made = {}
    customer = next((c for c in owners if items.get(c.pk)), None)
    if warehouse is None or customer is None:
        return made
    receivable = [i for i in Item.objects.filter(owner=customer, is_active=True).order_by("code")
                  if stock.receiving_location_for(item=i, warehouse=warehouse)] or items[customer.pk]
    today = timezone.localdate()

    def asn(days):
        batch = builder.n + 1
        lines = [{"item_code": i.code, "quantity": rng.randint(5, 12) * 10,
                  "lot_number": f"RK{today:%y%m%d}-{batch}{n + 1}"} for n, i in enumerate(receivable[:2])]
        order, _created = services.inbound_create(
            actor=_cs(customer, staff), customer=customer, channel=Channel.EMAIL, external_ref=builder.ref("R"),
            data={"warehouse": warehouse, "expected_date": today + datetime.timedelta(days=days),
                  "carrier": rng.choice(CARRIERS), "vehicle": "沪A·" + f"{rng.randrange(10**4, 10**5)}"},
            lines=lines)
        return order

    made[InboundState.NOTIFIED] = asn(2).number
    discrepancy = asn(0)
    lines = list(discrepancy.lines.order_by("line_no"))
    expiry = today + datetime.timedelta(days=300)
    receipts = [{"line": line.pk, "quantity_good": line.expected_quantity - (10 if n == 0 else 0),
                 "quantity_damaged": 2 if n == len(lines) - 1 else 0, "lot_number": line.lot_number,
                 "production_date": today - datetime.timedelta(days=5),
                 "expiry_date": expiry if line.item.shelf_life_days else None,
                 "note": "外箱破损" if n == len(lines) - 1 else ""} for n, line in enumerate(lines)]
    services.inbound_receive(actor=staff["keeper"], order=discrepancy, receipts=receipts, finish=True)
    made[InboundState.RECEIVED] = discrepancy.number
    done = asn(0)
    services.inbound_receive(actor=staff["keeper"], order=done, finish=True, receipts=[
        {"line": line.pk, "quantity_good": line.expected_quantity, "lot_number": line.lot_number,
         "production_date": today - datetime.timedelta(days=3),
         "expiry_date": expiry if line.item.shelf_life_days else None} for line in done.lines.all()])
    services.inbound_putaway(actor=staff["keeper"], order=done)
    made[InboundState.PUT_AWAY] = done.number
    return made


@transaction.atomic
def orders_demo_load(*, actor, customers) -> str:
    """Load the demo orders for `customers` (once: when demo orders exist it only reports them).
    Needs the inventory demo's items and stock. Returns a summary for the person who loaded it."""
    if not Item.objects.exists():
        return ""  # no inventory demo, no goods to order
    if not OutboundOrder.objects.filter(external_ref__startswith=DEMO_REF).exists():
        staff = _staff(actor)
        rng = random.Random(20260315)
        builder = _Builder(staff=staff, rng=rng)
        active = [c for c in customers if c.status == Status.ACTIVE]
        items = _items_with_stock(staff["supervisor"], active)
        owners = [c for c in active if items.get(c.pk)]
        if owners:
            # the last stocked customer gets no history: its first orders are a new customer's
            newcomer = owners[-1] if len(owners) > 2 else None
            regular = [c for c in owners if c != newcomer]
            with notify.muted():
                _history(builder, regular[:HISTORY_OWNERS], items)
                _current(builder, regular, items, newcomer)
                _inbound(builder, regular, items)
    return summary()


def summary() -> str:
    demo = OutboundOrder.objects.filter(external_ref__startswith=DEMO_REF)
    if not demo.exists():
        return ""
    counts = {state: demo.filter(state=state).count() for state in OutboundState.values}
    history = demo.filter(external_ref__contains="-H-").count()
    open_exceptions = OrderException.objects.filter(order__in=demo, state="open").count()
    inbound = InboundOrder.objects.filter(external_ref__startswith=DEMO_REF).count()
    states = "、".join(f"{OutboundState(s).label}{n}" for s, n in counts.items() if n)
    return (f"订单演示数据：出库单 {demo.count()} 张（其中近两个月已签收的历史订单 {history} 张），"
            f"各状态：{states}；待处理异常 {open_exceptions} 个；入库单 {inbound} 张。\n"
            "试一试：以 kefu 登录 → 订单 → 出库单 → “待审核”页签，打开一张订单，按页面上的按钮审核；"
            "cangguan 生成拣货单、确认拣货、包装、发货、登记送达；kefu 登记客户签收。")
