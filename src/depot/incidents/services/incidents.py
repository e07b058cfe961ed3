"""The damage/loss claim, one function per step: register → record the scene (keeper) → assess the
loss → liability / insurance → propose compensation (CS) → approve or reject (another supervisor)
→ pay → close; recovery from a liable third party alongside; posting the loss to stock once.

Every function locks the incident row first (then the inventory services take their locks), refuses
bad input with a `DomainError` before anything is written, records the change in the audit trail
and tells the customer of the milestones (`incident.updated`) in the same transaction.
"""

import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from depot.core.audit import ACTION_CREATE, ACTION_UPDATE, audit_record, snapshot
from depot.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from depot.core.permissions import require_perm
from depot.customers.models import Customer
from depot.customers.selectors import customer_list
from depot.incidents import notify, policy
from depot.incidents.choices import (
    AssessmentMethod,
    IncidentKind,
    IncidentState,
    InsuranceState,
    Liability,
    RecoveryState,
)
from depot.incidents.models import Incident, IncidentLine, IncidentPhoto, Recovery
from depot.inventory.models import Item, Location, Lot

SEQUENCE = "incidents_incident_number_seq"
DOCUMENT_TYPE = "incident"
AUDITED = ("state", "kind", "order", "occurred_at", "place", "description", "scene_description",
           "assessment_method", "assessed_amount", "assessment_note", "liability", "liable_party", "liability_note",
           "insurer", "insurance_claim_no", "insurance_state", "insurance_claimed", "insurance_received",
           "compensation_amount", "compensation_note", "over_assessment_reason", "decision_note", "paid_amount",
           "payment_ref", "close_note", "void_reason", "stock_posted_at")


# ---- helpers ----------------------------------------------------------------------------------

def _text(value, field: str, message: str, *, max_length: int = 200, required: bool = True) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationFailed(details={field: [message]})
    if len(value) > max_length:
        raise ValidationFailed(details={field: [_("不能超过%(n)d个字符") % {"n": max_length}]})
    return value


def _amount(value, field: str, *, required: bool = True, positive: bool = True) -> Decimal | None:
    if value in (None, "") and not required:
        return None
    amount = policy.money(value)
    if amount is None:
        raise ValidationFailed(details={field: [_("请填写有效的金额（元，最多两位小数）")]})
    if amount < 0 or (positive and amount == 0):
        raise ValidationFailed(details={field: [_("金额必须大于零") if positive else _("金额不能为负数")]})
    if amount >= Decimal("1e12"):
        raise ValidationFailed(details={field: [_("金额过大")]})
    return amount


def _moment(value, field: str) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise ValidationFailed(details={field: [_("请填写有效的日期和时间")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _next_code() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s)", [SEQUENCE])
        n = cur.fetchone()[0]
    return f"HS{timezone.localdate():%y%m%d}{n:04d}"


def _visible_customer(actor, customer) -> Customer:
    try:
        return customer_list(user=actor).get(pk=customer.pk)
    except (Customer.DoesNotExist, AttributeError):
        raise NotFound() from None


def lock_incident(actor, incident) -> Incident:
    """The incident, row-locked, if the actor may see its customer; NotFound otherwise."""
    try:
        return (Incident.objects.select_for_update(of=("self",)).select_related("customer", "order")
                .filter(customer__in=customer_list(user=actor)).get(pk=incident.pk))
    except Incident.DoesNotExist:
        raise NotFound() from None


def _move(incident: Incident, to: str, action: str) -> None:
    if not policy.can_move(incident.state, to):
        raise IllegalTransition(_("事件%(code)s当前状态为“%(state)s”，不能%(action)s") % {
            "code": incident.code, "state": incident.get_state_display(), "action": action})
    incident.state = to


def _require_open(incident: Incident, action: str) -> None:
    if not incident.is_open:
        raise IllegalTransition(_("事件%(code)s已%(state)s，不能%(action)s") % {
            "code": incident.code, "state": incident.get_state_display(), "action": action})


def _save(incident: Incident, *, actor, before: dict, note: str = "", action: str = ACTION_UPDATE) -> Incident:
    incident.save()
    audit_record(actor=actor, obj=incident, action=action, before=before, after=snapshot(incident, AUDITED),
                 note=note, force=bool(note))
    return incident


def _tell_customer(incident: Incident, *, headline: str, detail: str = "") -> list:
    """Publish `incident.updated` and stamp the first time the customer was told."""
    context = {
        "incident_no": incident.code, "kind_label": incident.get_kind_display(),
        "status_label": incident.get_state_display(), "headline": headline, "detail": detail,
        "order_no": incident.order.number if incident.order_id else "", "occurred_at": incident.occurred_at,
        "assessed_amount": incident.assessed_amount, "compensation_amount": incident.compensation_amount,
        "paid_amount": incident.paid_amount,
    }
    sent = notify.publish(event=notify.EVENT_INCIDENT, customer=incident.customer, context=context,
                          related=incident)
    if sent and incident.customer_notified_at is None:
        incident.customer_notified_at = timezone.now()
        incident.save(update_fields=["customer_notified_at", "updated_at"])
    return sent


def _parse_lines(*, customer: Customer, lines, require_stock: bool = False) -> list[IncidentLine]:
    """IncidentLine objects (unsaved) from dicts {item, quantity, lot?, location?, unit_value?};
    messages keyed `lines[n].field`."""
    if not lines:
        raise ValidationFailed(details={"lines": [_("请至少填写一行受损货品")]})
    errors: dict[str, list[str]] = {}
    out = []
    for n, raw in enumerate(lines, start=1):
        key = f"lines[{n}]"
        item, lot, location = raw.get("item"), raw.get("lot"), raw.get("location")
        if not isinstance(item, Item):
            errors[f"{key}.item"] = [_("请选择货品")]
            continue
        if item.owner_id != customer.pk:
            errors[f"{key}.item"] = [_("货品%(item)s不属于客户%(customer)s") % {"item": item, "customer": customer}]
        quantity = raw.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            errors[f"{key}.quantity"] = [_("数量必须是大于零的整数")]
        if lot is not None and (not isinstance(lot, Lot) or lot.item_id != item.pk):
            errors[f"{key}.lot"] = [_("批次%(lot)s不属于货品%(item)s") % {"lot": lot, "item": item}]
        if location is not None and (not isinstance(location, Location) or not location.is_physical):
            errors[f"{key}.location"] = [_("请选择实体库位")]
        if location is not None and lot is None:
            errors[f"{key}.lot"] = [_("填写库位时必须填写批次")]
        if require_stock and location is None:
            errors[f"{key}.location"] = [_("请填写货物所在库位和批次")]
        unit_value = raw.get("unit_value")
        if unit_value in (None, ""):
            unit_value = item.unit_value
        else:
            unit_value = policy.money(unit_value)
            if unit_value is None or unit_value < 0:
                errors[f"{key}.unit_value"] = [_("单位货值必须是不小于零的金额")]
        out.append(IncidentLine(item=item, lot=lot, location=location, quantity=quantity, unit_value=unit_value))
    if errors:
        raise ValidationFailed(details=errors)
    return out


# ---- registration and the scene ----------------------------------------------------------------

@transaction.atomic
def incident_register(*, actor, customer, data: dict, lines: list[dict]) -> Incident:
    """Register a damage or loss of `customer`'s goods: `data` has kind, occurred_at, description,
    place (optional), order (an OutboundOrder of the customer, optional); `lines` the affected
    items ({item, quantity, lot?, location?, unit_value?}). Raises PermissionDenied, NotFound (a
    customer the actor does not look after), ValidationFailed. Records the creation; tells the
    customer."""
    require_perm(actor, "incidents.add_incident")
    customer = _visible_customer(actor, customer)
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in IncidentKind.values:
        errors["kind"] = [_("请选择货损或货丢")]
    occurred_at = data.get("occurred_at")
    if not isinstance(occurred_at, datetime.datetime):
        errors["occurred_at"] = [_("请填写发生时间")]
    else:
        occurred_at = _moment(occurred_at, "occurred_at")
        if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
            errors["occurred_at"] = [_("发生时间不能晚于当前时间")]
    description = str(data.get("description") or "").strip()
    if not description:
        errors["description"] = [_("请描述发生了什么")]
    order = data.get("order")
    if order is not None and getattr(order, "customer_id", None) != customer.pk:
        errors["order"] = [_("出库单不属于该客户")]
    if errors:
        raise ValidationFailed(details=errors)
    parsed = _parse_lines(customer=customer, lines=lines)
    incident = Incident.objects.create(
        code=_next_code(), customer=customer, order=order, kind=kind, occurred_at=occurred_at,
        place=_text(data.get("place"), "place", "", required=False), description=description, created_by=actor,
    )
    for line in parsed:
        line.incident = incident
    IncidentLine.objects.bulk_create(parsed)
    audit_record(actor=actor, obj=incident, action=ACTION_CREATE, after=snapshot(incident, AUDITED))
    _tell_customer(incident, headline=_("我们已登记您的货物%(kind)s情况，正在核查处理") % {
        "kind": incident.get_kind_display()}, detail=description)
    return incident


@transaction.atomic
def incident_record_scene(*, actor, incident, description: str, lines: list[dict] | None = None) -> Incident:
    """The keeper's record of the scene; `lines` (optional) replace the affected items with their
    lot and location as found, as long as the loss is not posted to stock."""
    require_perm(actor, "incidents.record_scene")
    incident = lock_incident(actor, incident)
    _require_open(incident, _("记录现场"))
    description = _text(description, "scene_description", _("请填写现场情况"), max_length=4000)
    if lines is not None:
        if incident.stock_posted_at:
            raise IllegalTransition(_("库存已过账，受损货品明细不能再修改"))
        parsed = _parse_lines(customer=incident.customer, lines=lines)
        incident.lines.all().delete()
        for line in parsed:
            line.incident = incident
        IncidentLine.objects.bulk_create(parsed)
    before = snapshot(incident, AUDITED)
    incident.scene_description = description
    incident.scene_recorded_by, incident.scene_recorded_at = actor, timezone.now()
    note = _("记录现场") if lines is None else _("记录现场并更新货品明细")
    return _save(incident, actor=actor, before=before, note=note)


@transaction.atomic
def incident_photo_add(*, actor, incident, file, caption: str = "") -> IncidentPhoto:
    """Attach a photo of the scene: JPEG, PNG, WebP or HEIC (recognised by content), at most 10 MB.
    Raises ValidationFailed for anything else; nothing is stored then."""
    require_perm(actor, "incidents.add_incidentphoto")
    incident = lock_incident(actor, incident)
    _require_open(incident, _("上传照片"))
    size = getattr(file, "size", None)
    if size is None or size <= 0:
        raise ValidationFailed(details={"file": [_("请选择照片文件")]})
    if size > policy.MAX_PHOTO_BYTES:
        raise ValidationFailed(details={"file": [str(policy.PHOTO_SIZE_ERROR)]})
    file.seek(0)
    kind = policy.sniff_photo(file.read(16))
    file.seek(0)
    if kind is None:
        raise ValidationFailed(details={"file": [str(policy.PHOTO_TYPE_ERROR)]})
    name = str(getattr(file, "name", "") or "")
    photo = IncidentPhoto(incident=incident, original_name=name.rsplit("/", 1)[-1][:200],
                          content_type=kind.content_type, size=size,
                          caption=_text(caption, "caption", "", required=False), uploaded_by=actor)
    photo.file.save(f"photo.{kind.extension}", file, save=False)
    photo.save()
    audit_record(actor=actor, obj=incident, action="photo", note=_("上传现场照片%(name)s") % {
        "name": photo.original_name}, force=True)
    return photo


@transaction.atomic
def incident_notify_customer(*, actor, incident, message: str) -> Incident:
    """Tell the customer how their incident stands, in the words of CS."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    message = _text(message, "message", _("请填写告知客户的内容"), max_length=1000)
    sent = _tell_customer(incident, headline=_("您的%(kind)s事件有新的进展") % {"kind": incident.get_kind_display()},
                          detail=message)
    if not sent:
        raise ValidationFailed(details={"message": [_("客户没有可用的联系邮箱或订阅地址，未能发送通知")]})
    audit_record(actor=actor, obj=incident, action="notify", note=message, force=True)
    return incident


# ---- assessment, liability, insurance -----------------------------------------------------------

@transaction.atomic
def incident_assess(*, actor, incident, method: str, appraised_amount=None, note: str = "") -> Incident:
    """Assess the loss: `lines` (quantity × unit value of the affected items) or `appraisal` (an
    appraised amount). Allowed while registered, assessed or rejected. Tells the customer."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    if method not in AssessmentMethod.values:
        raise ValidationFailed(details={"method": [_("请选择定损方式")]})
    if method == AssessmentMethod.APPRAISAL:
        amount = _amount(appraised_amount, "appraised_amount", positive=False)
    else:
        amount = sum((line.value for line in incident.lines.all()), start=Decimal("0.00"))
    before = snapshot(incident, AUDITED)
    _move(incident, IncidentState.ASSESSED, _("定损"))
    incident.assessment_method, incident.assessed_amount = method, amount
    incident.assessment_note = _text(note, "note", "", max_length=1000, required=False)
    incident.assessed_by, incident.assessed_at = actor, timezone.now()
    _save(incident, actor=actor, before=before)
    _tell_customer(incident, headline=_("损失已核定，定损金额 ¥%(amount)s") % {"amount": amount},
                   detail=incident.assessment_note)
    return incident


@transaction.atomic
def incident_set_liability(*, actor, incident, liability: str, liable_party: str = "", note: str = "") -> Incident:
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    _require_open(incident, _("认定责任"))
    if liability not in Liability.values:
        raise ValidationFailed(details={"liability": [_("请选择责任方")]})
    party = _text(liable_party, "liable_party", _("请填写责任单位名称"), max_length=100,
                  required=liability in (Liability.CARRIER, Liability.THIRD_PARTY))
    before = snapshot(incident, AUDITED)
    incident.liability, incident.liable_party = liability, party
    incident.liability_note = _text(note, "note", "", max_length=1000, required=False)
    return _save(incident, actor=actor, before=before)


@transaction.atomic
def incident_set_insurance(*, actor, incident, insurer: str, claim_no: str = "", state: str = InsuranceState.FILED,
                           amount_claimed=None, amount_received=None) -> Incident:
    """Record the insurance claim: insurer, claim number, amounts claimed and received."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    if incident.state == IncidentState.VOIDED:
        raise IllegalTransition(_("事件已作废，不能登记保险理赔"))
    insurer = _text(insurer, "insurer", _("请填写保险公司"), max_length=100)
    if state not in InsuranceState.values or not state:
        raise ValidationFailed(details={"state": [_("请选择保险理赔状态")]})
    claimed = _amount(amount_claimed, "amount_claimed", required=False)
    received = _amount(amount_received, "amount_received", required=False, positive=False)
    if state == InsuranceState.SETTLED and received is None:
        raise ValidationFailed(details={"amount_received": [_("已理赔时请填写保险赔付金额")]})
    before = snapshot(incident, AUDITED)
    incident.insurer, incident.insurance_state = insurer, state
    incident.insurance_claim_no = _text(claim_no, "claim_no", "", max_length=60, required=False)
    incident.insurance_claimed, incident.insurance_received = claimed, received
    return _save(incident, actor=actor, before=before)


# ---- compensation --------------------------------------------------------------------------------

@transaction.atomic
def incident_propose_compensation(*, actor, incident, amount, note: str = "", override_reason: str = "") -> Incident:
    """Propose the compensation for a supervisor's approval. Needs an assessed loss; an amount above
    it needs a supervisor as the proposer and the reason for the override. Raises ValidationFailed,
    IllegalTransition, PermissionDenied."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    if incident.assessed_amount is None:
        raise IllegalTransition(_("事件%(code)s尚未定损，不能提出赔偿") % {"code": incident.code})
    amount = _amount(amount, "amount")
    override_reason = str(override_reason or "").strip()
    if policy.needs_override(compensation=amount, assessed=incident.assessed_amount):
        if not actor.has_perm("incidents.approve_compensation"):
            raise PermissionDenied(_("赔偿金额 ¥%(amount)s 超过定损金额 ¥%(assessed)s，须由主管确认超额原因") % {
                "amount": amount, "assessed": incident.assessed_amount}, details={"amount": [
                    _("赔偿金额 ¥%(amount)s 超过定损金额 ¥%(assessed)s，须由主管确认超额原因") % {
                        "amount": amount, "assessed": incident.assessed_amount}]})
        if not override_reason:
            raise ValidationFailed(details={"override_reason": [
                _("赔偿金额超过定损金额 ¥%(assessed)s，请填写超额原因") % {"assessed": incident.assessed_amount}]})
    else:
        override_reason = ""
    before = snapshot(incident, AUDITED)
    _move(incident, IncidentState.PENDING_APPROVAL, _("提出赔偿"))
    incident.compensation_amount = amount
    incident.compensation_note = _text(note, "note", "", max_length=1000, required=False)
    incident.over_assessment_reason = _text(override_reason, "override_reason", "", required=False)
    incident.proposed_by, incident.proposed_at = actor, timezone.now()
    incident.decided_by, incident.decided_at, incident.decision_note = None, None, ""
    return _save(incident, actor=actor, before=before)


@transaction.atomic
def incident_decide_compensation(*, actor, incident, approve: bool, note: str = "") -> Incident:
    """A supervisor approves or rejects the proposed compensation; never their own proposal.
    A rejection needs a reason. Tells the customer of an approval."""
    require_perm(actor, "incidents.approve_compensation")
    incident = lock_incident(actor, incident)
    if incident.state != IncidentState.PENDING_APPROVAL:
        raise IllegalTransition(_("事件%(code)s没有待审批的赔偿") % {"code": incident.code})
    if incident.proposed_by_id == actor.pk:
        raise PermissionDenied(_("不能审批自己提出的赔偿，请由其他主管审批"))
    note = _text(note, "note", _("驳回时请填写原因"), required=not approve)
    if approve and policy.needs_override(compensation=incident.compensation_amount,
                                         assessed=incident.assessed_amount) and not incident.over_assessment_reason:
        raise ValidationFailed(details={"amount": [_("赔偿金额超过定损金额且没有超额原因，不能批准")]})
    before = snapshot(incident, AUDITED)
    _move(incident, IncidentState.APPROVED if approve else IncidentState.REJECTED,
          _("批准赔偿") if approve else _("驳回赔偿"))
    incident.decided_by, incident.decided_at, incident.decision_note = actor, timezone.now(), note
    _save(incident, actor=actor, before=before)
    if approve:
        _tell_customer(incident, headline=_("赔偿方案已确认：¥%(amount)s") % {"amount": incident.compensation_amount},
                       detail=incident.compensation_note)
    return incident


@transaction.atomic
def incident_pay(*, actor, incident, payment_ref: str, amount=None, paid_at=None) -> Incident:
    """Record the payment of the approved compensation (the approved amount unless `amount` is
    less). Refused before approval. Tells the customer."""
    require_perm(actor, "incidents.pay_compensation")
    incident = lock_incident(actor, incident)
    if incident.state != IncidentState.APPROVED:
        raise IllegalTransition(_("赔偿尚未批准，不能登记赔付（当前状态：%(state)s）") % {
            "state": incident.get_state_display()})
    payment_ref = _text(payment_ref, "payment_ref", _("请填写付款凭证号"), max_length=60)
    paid = incident.compensation_amount if amount in (None, "") else _amount(amount, "amount")
    if paid > incident.compensation_amount:
        raise ValidationFailed(details={"amount": [_("实付金额不能超过批准的赔偿金额 ¥%(amount)s") % {
            "amount": incident.compensation_amount}]})
    paid_at = _moment(paid_at, "paid_at") if paid_at is not None else timezone.now()
    if paid_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationFailed(details={"paid_at": [_("赔付时间不能晚于当前时间")]})
    before = snapshot(incident, AUDITED)
    _move(incident, IncidentState.PAID, _("登记赔付"))
    incident.paid_amount, incident.payment_ref = paid, payment_ref
    incident.paid_by, incident.paid_at = actor, paid_at
    _save(incident, actor=actor, before=before)
    _tell_customer(incident, headline=_("赔偿款 ¥%(amount)s 已支付") % {"amount": paid},
                   detail=_("付款凭证号：%(ref)s") % {"ref": payment_ref})
    return incident


@transaction.atomic
def incident_close(*, actor, incident, note: str = "") -> Incident:
    """Close a paid incident, or one assessed (or rejected) that ends without compensation (a
    reason is then required)."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    note = _text(note, "note", _("未赔付结案时请填写原因"), required=incident.state != IncidentState.PAID)
    before = snapshot(incident, AUDITED)
    _move(incident, IncidentState.CLOSED, _("结案"))
    incident.closed_at, incident.close_note = timezone.now(), note
    _save(incident, actor=actor, before=before)
    _tell_customer(incident, headline=_("事件已结案"), detail=note)
    return incident


@transaction.atomic
def incident_void(*, actor, incident, reason: str) -> Incident:
    """Void an incident registered by mistake (not once compensation was proposed or stock posted)."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    reason = _text(reason, "reason", _("请填写作废原因"))
    if incident.stock_posted_at:
        raise IllegalTransition(_("库存已过账，事件不能作废；如登记有误请冲正库存流水后结案"))
    before = snapshot(incident, AUDITED)
    _move(incident, IncidentState.VOIDED, _("作废"))
    incident.void_reason = reason
    return _save(incident, actor=actor, before=before)


# ---- stock ---------------------------------------------------------------------------------------

@transaction.atomic
def incident_post_stock(*, actor, incident) -> list:
    """Write the loss off the stock: for each line with a lot and location, a `damage` move
    (damaged goods, unusable) or a `loss` move (goods gone), with the incident code as the document
    reference; the moves' ids are kept on the lines. Once only: the incident row is locked before
    `stock_posted_at` is read, so a second, concurrent post waits and is then refused. Raises
    IllegalTransition, ValidationFailed, InsufficientStock, LocationRejected; nothing is written
    then. Returns the moves."""
    from depot.inventory.services import stock_post_damage, stock_post_loss

    require_perm(actor, "incidents.post_incident_stock")
    incident = lock_incident(actor, incident)
    if incident.stock_posted_at:
        raise IllegalTransition(_("事件%(code)s的库存损失已过账，不能重复过账") % {"code": incident.code})
    _require_open(incident, _("库存过账"))
    lines = list(incident.lines.select_related("item", "lot", "location").order_by("location_id", "item_id",
                                                                                    "lot_id", "pk"))
    in_stock = [line for line in lines if line.location_id]
    if not in_stock:
        raise ValidationFailed(details={"lines": [_("没有填写库位和批次的受损货品，无需库存过账")]})
    post = stock_post_damage if incident.kind == IncidentKind.DAMAGE else stock_post_loss
    reason = _("%(kind)s事件%(code)s") % {"kind": incident.get_kind_display(), "code": incident.code}
    moves = []
    for line in in_stock:
        move = post(actor=actor, item=line.item, lot=line.lot, location=line.location, quantity=line.quantity,
                    reason=reason, document_type=DOCUMENT_TYPE, document_ref=incident.code)
        line.stock_move = move
        line.save(update_fields=["stock_move"])
        moves.append(move)
    before = snapshot(incident, AUDITED)
    incident.stock_posted_by, incident.stock_posted_at = actor, timezone.now()
    _save(incident, actor=actor, before=before, note=_("库存过账：流水%(ids)s") % {
        "ids": "、".join(f"#{m.pk}" for m in moves)})
    return moves


# ---- recovery from a third party ----------------------------------------------------------------

@transaction.atomic
def recovery_open(*, actor, incident, party: str, amount_claimed, note: str = "") -> Recovery:
    """Start recovering the loss from a liable third party (carrier, subcontractor …)."""
    require_perm(actor, "incidents.change_incident")
    incident = lock_incident(actor, incident)
    if incident.state == IncidentState.VOIDED:
        raise IllegalTransition(_("事件已作废，不能追偿"))
    recovery = Recovery.objects.create(
        incident=incident, party=_text(party, "party", _("请填写追偿对象"), max_length=100),
        amount_claimed=_amount(amount_claimed, "amount_claimed"),
        note=_text(note, "note", "", required=False), created_by=actor,
    )
    audit_record(actor=actor, obj=incident, action="recovery", note=_("向%(party)s追偿 ¥%(amount)s") % {
        "party": recovery.party, "amount": recovery.amount_claimed}, force=True)
    return recovery


@transaction.atomic
def recovery_record(*, actor, recovery, amount_recovered, state: str | None = None, note: str = "") -> Recovery:
    """Record what has been recovered so far (the total); the state follows the amount unless the
    claim is given up (`written_off`)."""
    require_perm(actor, "incidents.change_incident")
    lock_incident(actor, recovery.incident)
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    amount = _amount(amount_recovered, "amount_recovered", positive=False)
    if amount > recovery.amount_claimed:
        raise ValidationFailed(details={"amount_recovered": [_("已追回金额不能超过追偿金额 ¥%(amount)s") % {
            "amount": recovery.amount_claimed}]})
    if state is not None and state not in RecoveryState.values:
        raise ValidationFailed(details={"state": [_("请选择追偿状态")]})
    if state != RecoveryState.WRITTEN_OFF:
        state = (RecoveryState.RECOVERED if amount == recovery.amount_claimed
                 else RecoveryState.PARTIAL if amount > 0 else RecoveryState.OPEN)
    before = snapshot(recovery, ("amount_recovered", "state", "note"))
    recovery.amount_recovered, recovery.state = amount, state
    if note:
        recovery.note = _text(note, "note", "", required=False)
    recovery.save()
    audit_record(actor=actor, obj=recovery, action=ACTION_UPDATE, before=before,
                 after=snapshot(recovery, ("amount_recovered", "state", "note")))
    return recovery
