"""Depot's records as the CRM sync sees them: one neutral dict per customer, contact, outbound
order and complaint, keyed by its Depot code. Connectors map these to their CRM's fields.

Only what the CRM needs: no ID numbers, no consignee names or phones of orders (they are the
consignee's personal data, not the customer's), no internal notes."""

from django.utils import timezone


def _local(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def contact_code(contact) -> str:
    return f"{contact.customer.code}-C{contact.pk}"


def account(customer) -> dict:
    return {
        "code": customer.code, "name": customer.name, "short_name": customer.short_name,
        "credit_code": customer.credit_code or "", "industry": customer.industry, "province": customer.province,
        "city": customer.city, "district": customer.district, "address": customer.address,
        "grade": customer.grade, "status_label": str(customer.get_status_display()),
    }


def contact(obj) -> dict:
    return {"code": contact_code(obj), "name": obj.name, "title": obj.title, "phone": obj.phone or "",
            "email": obj.email or ""}


def sales_order(order) -> dict:
    return {
        "code": order.number, "external_ref": order.external_ref, "state": order.state,
        "state_label": str(order.get_state_display()),
        "requested_ship_date": order.requested_ship_date.isoformat() if order.requested_ship_date else None,
        "created_at": _local(order.created_at), "carrier": order.carrier, "tracking_number": order.tracking_number,
        "province": order.province, "city": order.city, "total_value": str(order.total_value),
        "lines": [{"item_code": line.item_code, "item_name": line.item.name if line.item_id else "",
                   "quantity": line.quantity} for line in order.lines.all()],
    }


def case(complaint) -> dict:
    return {
        "code": complaint.code, "state": complaint.state, "severity": complaint.severity,
        "category_label": str(complaint.get_category_display()),
        "channel_label": str(complaint.get_channel_display()) if hasattr(complaint, "get_channel_display")
        else str(complaint.channel),
        "description": complaint.description, "received_at": _local(complaint.received_at),
    }


BUILDERS = {"account": account, "contact": contact, "sales_order": sales_order, "case": case}


def code_of(kind: str, obj) -> str:
    if kind == "account":
        return obj.code
    if kind == "contact":
        return contact_code(obj)
    if kind == "sales_order":
        return obj.number
    return obj.code


def customer_of(kind: str, obj):
    return obj if kind == "account" else obj.customer
