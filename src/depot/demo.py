"""The demo data set: one login per role and a customer archive that looks like a real warehouse's.

`demo_load()` goes through the same services as the users do, so the demo also shows the audit
trail, grading reasons, credit history and consent records. It is deterministic (one seeded
random generator) and loads only once: when the user `admin` exists it just prints the logins.
"""

import datetime
import importlib
import random
import unicodedata
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from depot import demo_data
from depot.core import roles
from depot.core.accounts import user_create
from depot.customers import services
from depot.customers.choices import CREDIT_RATING_ORDER, ConsentPurpose, Grade, PaymentTerms, Status
from depot.customers.models import Customer, Tag
from depot.customers.pinyin import full as pinyin_full
from depot.customers.validators import normalize_phone

URL = "http://127.0.0.1:8000/admin/"
PASSWORD = "depot2026"
# username, role, first name, role as printed
USERS = [
    ("admin", roles.ADMIN, "系统管理员", "系统管理员 Administrator"),
    ("zhuguan", roles.CS_SUPERVISOR, "王丽华", "客户服务主管 CS supervisor"),
    ("kefu", roles.CS_SPECIALIST, "张敏", "客户服务专员 CS specialist"),
    ("kefu2", roles.CS_SPECIALIST, "李强", "客户服务专员 CS specialist"),
    ("cangguan", roles.WAREHOUSE_KEEPER, "赵建国", "仓库管理员 Warehouse keeper"),
]
GRADING_RULES = {
    Grade.VIP: {"min_tenure_months": 24, "min_credit_rating": "AA"},
    Grade.A: {"min_tenure_months": 12, "min_credit_rating": "A"},
    Grade.B: {"min_tenure_months": 6},
    Grade.C: {},
}
CREDIT_LIMITS = {"AAA": (800_000, 2_000_000), "AA": (300_000, 800_000), "A": (100_000, 300_000),
                 "B": (30_000, 100_000), "C": (0, 0)}


def demo_load(*, url: str = URL) -> str:
    """Load the demo data set unless it is there already; return the text to show the user."""
    if get_user_model().objects.filter(username="admin").exists():
        return _text(loaded=None, url=url)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        users = {username: user_create(username=username, password=PASSWORD, role=role, first_name=name,
                                       check_password=False)
                 for username, role, name, _label in USERS}
        customers = _load_customers(rng=random.Random(2026), supervisor=users["zhuguan"],
                                    owners=[users["kefu"], users["kefu2"]])
        more = _load_more(actor=users["zhuguan"], customers=customers)
    return _text(loaded=customers, more=more, url=url)


# Apps built on the customer archive add their own demo data, in this order (each may use the
# data of the ones before it). Each entry names a module and a function taking `actor` and
# `customers` and returning a line of text for the user (or "").
DEMO_LOADERS = [
    ("depot.inventory.demo", "inventory_demo_load"),
    ("depot.orders.demo", "orders_demo_load"),
    ("depot.service.demo", "service_demo_load"),
    ("depot.incidents.demo", "incidents_demo_load"),
    ("depot.followups.demo", "followups_demo_load"),
    ("depot.surveys.demo", "surveys_demo_load"),
    ("depot.kpi.demo", "kpi_demo_load"),
    ("depot.analytics.demo", "analytics_demo_load"),
    ("depot.portal.demo", "portal_demo_load"),
]


def _load_more(*, actor, customers: list[Customer]) -> str:
    """Let apps built on the customer archive add their own demo data (stock, orders…)."""
    from depot.core.db import analyze
    from depot.customers.models import Contact

    analyze(Customer, Contact)
    texts = []
    for module_name, function_name in DEMO_LOADERS:
        app_name = module_name.rsplit(".", 1)[0]
        if not apps.is_installed(app_name):
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        result = getattr(module, function_name)(actor=actor, customers=customers)
        texts.append(result if isinstance(result, str) else "")
    return "\n".join(t for t in texts if t)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _text(*, loaded: list[Customer] | None, more: str = "", url: str = URL) -> str:
    if loaded is None:
        head = "演示数据已存在，未重复载入。Demo data is already loaded."
    else:
        by_status = {s: sum(1 for c in loaded if c.status == s) for s in Status.values}
        head = (f"演示数据已载入：{len(loaded)} 家客户（合作中 {by_status['active']}、"
                f"潜在 {by_status['prospect']}、暂停 {by_status['suspended']}、终止 {by_status['closed']}）。"
                "Demo data loaded.")
    rows = [("用户名 Username", "密码 Password", "角色 Role")]
    rows += [(username, PASSWORD, label) for username, _role, _name, label in USERS]
    widths = [max(_width(r[i]) for r in rows) + 2 for i in range(2)]
    table = "\n".join("  " + _pad(a, widths[0]) + _pad(b, widths[1]) + c for a, b, c in rows)
    lines = [head, f"登录地址 Sign in at: {url}", "", table]
    if more:
        lines += ["", more.strip()]
    return "\n".join(lines)


# --- building blocks ------------------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _organization_code(rng: random.Random, *, new_style: bool) -> str:
    """A 9-character organisation code (GB 11714) with its own check character."""
    if new_style:  # codes issued since 2015 start with MA
        body = "MA" + rng.choice("123456789") + "".join(rng.choice(_USCC_ALPHABET) for _ in range(5))
    else:
        body = rng.choice("567") + "".join(rng.choice("0123456789") for _ in range(7))
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _credit_code(rng: random.Random, division: str, *, new_style: bool) -> str:
    from stdnum.cn import uscc

    body = "91" + division + _organization_code(rng, new_style=new_style)
    return body + uscc.calc_check_digit(body)


def _mobile(rng: random.Random) -> str:
    return rng.choice(demo_data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _phone(rng: random.Random, area_code: str, *, landline: bool) -> str:
    for _attempt in range(10):
        number = _mobile(rng) if not landline else (
            f"{area_code}-{rng.choice('2345678')}{rng.randrange(10**7):07d}"
        )
        try:
            normalize_phone(number)
        except ValidationError:
            continue
        return number
    return _mobile(rng)


def _contacts(rng: random.Random, *, domain: str, area_code: str) -> list[dict]:
    contacts = []
    surnames = rng.sample(demo_data.SURNAMES, 3)
    for i in range(rng.choice((1, 2, 2, 3))):
        surname, given = surnames[i], rng.choice(demo_data.GIVEN_NAMES)
        born = datetime.date(rng.randint(1968, 1998), rng.randint(1, 12), rng.randint(1, 28))
        latin = pinyin_full(surname) + pinyin_full(given)
        channel = rng.choices(["phone", "wechat", "email", "qq"], weights=[4, 4, 2, 1])[0]
        contacts.append({
            "name": surname + given,
            "title": rng.choice(demo_data.PRIMARY_TITLES if i == 0 else demo_data.OTHER_TITLES),
            "phone": _phone(rng, area_code, landline=(i > 0 and rng.random() < 0.3)),
            "email": f"{pinyin_full(surname)}.{pinyin_full(given)}@{domain}",
            "wechat": f"{latin}{born.year % 100:02d}{rng.randint(10, 99)}" if rng.random() < 0.8 else "",
            "qq": str(rng.randint(10**7, 3 * 10**9)) if channel == "qq" or rng.random() < 0.15 else "",
            "birthday": born if rng.random() < 0.7 else None,
            "preferred_channel": channel,
            "is_primary": i == 0,
        })
    return contacts


def _months_between(since: datetime.date, today: datetime.date) -> int:
    return (today.year - since.year) * 12 + today.month - since.month


def _load_customers(*, rng: random.Random, supervisor, owners: list) -> list[Customer]:
    today = timezone.localdate()
    for grade, thresholds in GRADING_RULES.items():
        services.grading_rule_save(actor=supervisor, grade=grade, data=thresholds)
    tags = {name: Tag.objects.get_or_create(name=name, defaults={"color": color})[0]
            for name, color in demo_data.TAGS}

    count = len(demo_data.COMPANIES)
    others = list(range(1, count))  # the first company (华盛达物流) stays active
    rng.shuffle(others)
    prospects, suspended, closed = set(others[:8]), set(others[8:12]), set(others[12:15])

    customers, plans = [], []
    for i, (name, short, industry, nature, storage, region, scope) in enumerate(demo_data.COMPANIES):
        province, city, district, division, area_code, streets = demo_data.REGIONS[region]
        is_prospect = i in prospects
        since = None if is_prospect else today - datetime.timedelta(days=rng.randint(20, 5 * 365))
        rating = "" if is_prospect else rng.choices(CREDIT_RATING_ORDER, weights=[8, 22, 35, 25, 10])[0]
        low, high = CREDIT_LIMITS[rating] if rating else (0, 0)
        terms = rng.choices(list(PaymentTerms), weights=[2, 1, 10, 3])[0]
        inbound = rng.choice((2, 5, 8, 12, 20, 30, 50, 80, 120)) * 1000
        brand = next((short[: -len(w)] for w in demo_data.TRADE_WORDS
                      if short.endswith(w) and len(short) - len(w) >= 2), short)
        data = {
            "name": name, "short_name": short, "industry": industry, "nature": nature,
            "business_scope": scope,
            "credit_code": _credit_code(rng, division, new_style=since is None or since.year >= 2022
                                        or rng.random() < 0.5),
            "province": province, "city": city, "district": district,
            "address": (f"{rng.choice(streets)}{rng.randint(1, 2999)}号"
                        + rng.choice(("", "", "A座", "2号楼", "B栋"))),
            "storage_types": storage,
            "expected_monthly_inbound": inbound,
            "expected_monthly_outbound": int(inbound * rng.uniform(0.8, 1.1)) // 100 * 100,
            "expected_pallets": max(20, inbound // rng.choice((40, 60, 100))),
            "business_needs": demo_data.INDUSTRY_NEEDS.get(industry, demo_data.GENERIC_NEED),
            "special_requirements": "；".join(demo_data.SPECIAL_REQUIREMENTS[s] for s in storage
                                             if s in demo_data.SPECIAL_REQUIREMENTS),
            "payment_terms": terms,
            "payment_days": {"prepaid": 0, "on_delivery": 0, "monthly": rng.choice((30, 30, 45, 60)),
                             "net": rng.choice((60, 90))}[terms],
            "credit_rating": rating,
            "credit_limit": Decimal(rng.randint(low // 10_000, high // 10_000) * 10_000 if high else 0),
            "status": Status.PROSPECT if is_prospect else Status.ACTIVE,
            "cooperation_since": since,
            "notes": rng.choice(demo_data.PROSPECT_NOTES) if is_prospect else "",
            "owner": owners[i % 2],  # 华盛达物流 (the first) belongs to kefu
        }
        customer_tags = [tags[t] for t, present in (
            ("冷链", {"cold", "frozen"} & set(storage)), ("危险品", "hazardous" in storage),
            ("保税", "bonded" in storage), ("医药GSP", industry in ("医药", "医疗器械")),
            ("电商大促", "电商" in industry or i % 9 == 4),
            ("新客户", since is not None and _months_between(since, today) < 6),
            ("按时回款", rating in ("AAA", "AA")),
        ) if present]
        customer = services.customer_create(
            actor=supervisor, data=data, tags=customer_tags, confirm_similar=True,
            contacts=_contacts(rng, domain=pinyin_full(brand) + rng.choice(demo_data.EMAIL_SUFFIXES),
                               area_code=area_code),
        )
        customers.append(customer)
        plans.append((customer, i in suspended, i in closed))

    _credit_history(rng, supervisor, [c for c in customers if c.status == Status.ACTIVE and c.credit_rating])
    _grades(rng, supervisor, customers, tags["重点客户"])
    _consents(rng, supervisor, [c for c in customers if c.status == Status.ACTIVE])
    for customer, suspend, close in plans:
        if suspend:
            services.customer_change_status(actor=supervisor, customer=customer, status=Status.SUSPENDED,
                                            reason=rng.choice(demo_data.SUSPEND_REASONS))
        elif close:
            services.customer_change_status(actor=supervisor, customer=customer, status=Status.CLOSED,
                                            reason=rng.choice(demo_data.CLOSE_REASONS))
    return list(Customer.objects.filter(pk__in=[c.pk for c in customers]).order_by("code"))


def _credit_history(rng: random.Random, supervisor, customers: list[Customer]) -> None:
    for customer, (direction, reason) in zip(rng.sample(customers, 6), demo_data.CREDIT_CHANGE_REASONS,
                                             strict=True):
        index = CREDIT_RATING_ORDER.index(customer.credit_rating)
        index = max(0, index - 1) if direction == "up" else min(len(CREDIT_RATING_ORDER) - 1, index + 1)
        factor = Decimal("1.5") if direction == "up" else Decimal("0.5")
        limit = (customer.credit_limit * factor / 10_000).quantize(Decimal(1)) * 10_000
        if direction == "up":
            limit = max(limit, Decimal(50_000))
        services.customer_change_credit(actor=supervisor, customer=customer, credit_limit=limit,
                                        credit_rating=CREDIT_RATING_ORDER[index], reason=reason)


def _grades(rng: random.Random, supervisor, customers: list[Customer], key_tag: Tag) -> None:
    active = [c for c in customers if c.status == Status.ACTIVE]
    by_hand = set(rng.sample(range(len(active)), len(active) // 5))
    for n, customer in enumerate(active):
        if n in by_hand:
            grade = rng.choice([Grade.VIP, Grade.A, Grade.A, Grade.B, Grade.C])
            customer = services.customer_set_grade(actor=supervisor, customer=customer, grade=grade,
                                                   reason=demo_data.HAND_GRADE_REASONS[grade])
        else:
            customer = services.customer_apply_grade_suggestion(actor=supervisor, customer=customer)
        if customer.grade in (Grade.VIP, Grade.A) and n % 2 == 0:
            services.customer_update(actor=supervisor, customer=customer, data={},
                                     tags=[*customer.tags.all(), key_tag])


def _consents(rng: random.Random, supervisor, customers: list[Customer]) -> None:
    third_party = set(rng.sample(range(len(customers)), 5))
    for n, customer in enumerate(customers):
        if rng.random() < 0.35 and n not in third_party:
            continue
        granted = timezone.make_aware(datetime.datetime.combine(
            customer.cooperation_since or timezone.localdate(), datetime.time(10, 30)))
        contract = f"HT-{granted.year}-{customer.code[1:]}"
        services.consent_record(
            actor=supervisor, customer=customer, purpose=ConsentPurpose.SERVICE, granted_at=granted,
            evidence=f"仓储服务合同 {contract} 第十二条“个人信息保护”，双方盖章",
        )
        if n in third_party:
            later = min(granted + datetime.timedelta(days=rng.randint(30, 200)), timezone.now())
            consent = services.consent_record(
                actor=supervisor, customer=customer, purpose=ConsentPurpose.THIRD_PARTY, recipient="Zoho CRM",
                version="2.0", granted_at=later,
                evidence=(f"客户 {timezone.localtime(later):%Y-%m-%d} 邮件书面同意"
                          "向 Zoho CRM 提供联系人姓名、电话、邮箱"),
            )
            if n == min(third_party):
                services.consent_withdraw(actor=supervisor, consent=consent,
                                          note="客户来电要求停止向 CRM 同步")
        elif rng.random() < 0.2:
            services.consent_record(
                actor=supervisor, customer=customer, purpose=ConsentPurpose.MARKETING, granted_at=granted,
                evidence="客户在服务确认单上勾选接收节日关怀与活动信息",
            )
