"""Demo incidents and delay notices on top of the inventory and orders demos, through the services
as the people who would do each step: the customer's specialist registers and proposes, the keeper
records the scene and posts the stock, a supervisor approves (another one when a supervisor
proposed). One incident in every state, and delay notices with progress on orders still on their
way. Customers are not notified: the demo contacts' addresses look real.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from depot.core import roles
from depot.incidents import notify, services
from depot.incidents.choices import IncidentState
from depot.incidents.models import DelayNotice, Incident
from depot.inventory.models import Balance
from depot.orders.choices import OutboundState
from depot.orders.models import OutboundOrder

SCENES = [
    ("damage", "叉车转弯时刮碰货架，外箱压损", "叉车司机倒车未观察，四箱外包装破损、内袋破裂"),
    ("loss", "盘点发现整箱短少", "监控回放显示夜班搬运时误装入其他客户车辆"),
    ("damage", "库顶漏雨导致货物受潮", "暴雨后B区屋面渗水，纸箱受潮变形"),
    ("damage", "装车时跌落", "月台装车时托盘倾斜，两箱跌落破损"),
    ("loss", "出库复核时发现数量不符", "拣货后暂存期间丢失一箱，已报保卫部门"),
    ("damage", "冷库温度异常导致货物变质", "制冷机组故障两小时，温度升至8℃"),
    ("damage", "搬运中外箱挤压", "搬运工堆码过高，底层货物压损"),
    ("loss", "登记有误", "复盘后确认货物未丢失，系其他库位"),
]
DELAYS = [
    ("weather", "华东地区暴雨，高速临时封闭", ["干线车辆已在服务区等待放行", "道路已恢复通行，车辆出发"]),
    ("carrier", "承运车辆途中故障", ["已安排替换车辆"]),
    ("warehouse", "仓内作业高峰，拣货延迟", []),
]


def _user(username, role):
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(username=username).first() or users.filter(groups__name=role).order_by("pk").first()


def _stock_lines(customers, count):
    """Balances of the demo customers with stock to spare, spread over the customers."""
    balances = (Balance.objects.filter(item__owner__in=customers, location__zone__isnull=False, on_hand__gt=5)
                .select_related("item", "lot", "location", "item__owner").order_by("-on_hand", "pk"))
    by_owner: dict[int, list] = {}
    for balance in balances:
        if balance.on_hand - balance.reserved >= 6:
            by_owner.setdefault(balance.item.owner_id, []).append(balance)
    out = []
    while len(out) < count and any(by_owner.values()):
        for queue in by_owner.values():
            if queue and len(out) < count:
                out.append(queue.pop(0))
    return out


def _specialist(customer, fallback):
    owner = customer.owner
    return owner if owner is not None and owner.is_active and owner.has_perm("incidents.add_incident") else fallback


def _incidents(*, actor, customers, keeper, admin) -> None:
    balances = _stock_lines(customers, len(SCENES))
    now = timezone.now()
    for n, (balance, (kind, description, scene)) in enumerate(zip(balances, SCENES, strict=False)):
        customer = balance.item.owner
        cs = _specialist(customer, actor)
        approver = admin if cs.pk == actor.pk else actor
        quantity = min(3 + n % 3, balance.on_hand - balance.reserved)
        incident = services.incident_register(actor=cs, customer=customer, data={
            "kind": kind, "occurred_at": now - datetime.timedelta(days=12 - n, hours=n), "description": description,
            "place": balance.location.code}, lines=[
            {"item": balance.item, "lot": balance.lot, "location": balance.location, "quantity": quantity}])
        target = list(IncidentState)[n]
        if target == IncidentState.REGISTERED:
            continue
        if target == IncidentState.VOIDED:
            services.incident_void(actor=cs, incident=incident, reason="复盘确认货物未丢失，登记有误")
            continue
        services.incident_record_scene(actor=keeper, incident=incident, description=scene)
        services.incident_post_stock(actor=keeper, incident=incident)
        incident = services.incident_assess(actor=cs, incident=incident, method="lines")
        services.incident_set_liability(actor=cs, incident=incident, liability="warehouse", note="仓内作业责任")
        if target == IncidentState.ASSESSED:
            continue
        assessed = incident.assessed_amount or 0
        if target == IncidentState.APPROVED and assessed:
            # a supervisor's override above the assessed loss, approved by another supervisor
            services.incident_propose_compensation(actor=actor, incident=incident, amount=assessed + 200,
                                                   override_reason="含客户紧急补货运费200元",
                                                   note="按货值赔偿并承担补货运费")
            services.incident_decide_compensation(actor=admin, incident=incident, approve=True, note="同意")
            continue
        services.incident_propose_compensation(actor=cs, incident=incident, amount=assessed or 100,
                                               note="按货值全额赔偿")
        if target == IncidentState.PENDING_APPROVAL:
            continue
        if target == IncidentState.REJECTED:
            services.incident_decide_compensation(actor=approver, incident=incident, approve=False,
                                                  note="请先向保险公司报案，确认保险赔付后再提")
            continue
        services.incident_decide_compensation(actor=approver, incident=incident, approve=True, note="同意按货值赔偿")
        services.incident_pay(actor=cs, incident=incident, payment_ref=f"FK{timezone.localdate():%Y%m%d}{n:02d}")
        if target == IncidentState.CLOSED:
            services.recovery_open(actor=cs, incident=incident, party="德邦快递", amount_claimed=assessed or 100,
                                   note="承运商装车责任，按合同追偿")
            services.incident_close(actor=cs, incident=incident, note="客户已确认收到赔款")


def _delays(*, actor, customers) -> None:
    orders = (OutboundOrder.objects.filter(customer__in=customers, state__in=[
        OutboundState.SHIPPED, OutboundState.PACKED, OutboundState.ALLOCATED, OutboundState.PICKING])
        .select_related("customer").order_by("-state", "pk"))
    now = timezone.now()
    for n, (order, (category, reason, updates)) in enumerate(zip(orders, DELAYS, strict=False)):
        cs = _specialist(order.customer, actor)
        notice = services.delay_notice_create(actor=cs, order=order, reason_category=category, reason=reason,
                                              new_expected_at=now + datetime.timedelta(days=1 + n, hours=6))
        for k, note in enumerate(updates):
            services.delay_update_add(actor=cs, notice=notice, note=note,
                                      new_expected_at=now + datetime.timedelta(days=2 + n, hours=k) if k else None)


def incidents_demo_load(*, actor, customers) -> str:
    """Load the demo incidents and delay notices (once). Returns a summary line."""
    if not Incident.objects.exists() and not DelayNotice.objects.exists():
        keeper = _user("cangguan", roles.WAREHOUSE_KEEPER)
        admin = _user("admin", roles.ADMIN)
        if keeper is None or admin is None or admin.pk == actor.pk:
            return ""
        with notify.muted(), transaction.atomic():
            _incidents(actor=actor, customers=customers, keeper=keeper, admin=admin)
            _delays(actor=actor, customers=customers)
    return summary()


def summary() -> str:
    incidents = Incident.objects.all()
    if not incidents.exists():
        return ""
    states = "、".join(f"{IncidentState(s).label}{n}" for s in IncidentState.values
                      if (n := incidents.filter(state=s).count()))
    return (f"货损货丢演示数据：事件 {incidents.count()} 个（{states}）；延误通知 {DelayNotice.objects.count()} 条。\n"
            "试一试：以 zhuguan 登录 → 客户服务 → 赔偿审批；以 cangguan 登录为“登记”状态的事件记录现场、库存过账。")
