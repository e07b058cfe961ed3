"""Demo portal logins: one for each of the first active customers with stock, so the portal can
be tried straight after `depot demo`."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from depot.customers.choices import Status
from depot.customers.models import Customer
from depot.customers.selectors import primary_contact
from depot.inventory.models import Balance
from depot.portal.services import portal_account_create

PASSWORD = "depot2026"
USERNAMES = ["kehu1", "kehu2", "kehu3"]


def portal_demo_load(*, actor, customers) -> str:
    stocked = Balance.objects.filter(item__owner=OuterRef("pk"), on_hand__gt=0)
    chosen = list(Customer.objects.filter(pk__in=[c.pk for c in customers], status=Status.ACTIVE)
                  .annotate(stocked=Exists(stocked)).filter(stocked=True).order_by("code")[:len(USERNAMES)])
    made = []
    for username, customer in zip(USERNAMES, chosen, strict=False):
        if get_user_model().objects.filter(username=username).exists():
            continue
        contact = primary_contact(customer)
        portal_account_create(actor=actor, customer=customer, username=username,
                              name=contact.name if contact else username,
                              title="采购主管", password=PASSWORD, check_password=False)
        made.append(f"{username}（{customer.short_name or customer.name}）")
    if not made:
        return ""
    return f"客户门户 /portal/ 登录账号（密码 {PASSWORD}）：" + "、".join(made)
