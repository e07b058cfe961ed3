import time

from depot.inventory import demo, demo_custody


def test_timing(admin_user, make_customer, supervisor, keeper):
    customers = [make_customer(admin_user) for _ in range(5)]
    times = {}
    for mod, name in ((demo, "_history"), (demo, "_analysis"), (demo, "_corrections"), (demo, "_disposals"),
                      (demo_custody, "_plans"), (demo_custody, "_readings"), (demo, "_build_warehouses"),
                      (demo, "_create_items")):
        orig = getattr(mod, name)

        def wrap(*a, _orig=orig, _name=name, **k):
            t = time.monotonic()
            r = _orig(*a, **k)
            times[_name] = round(time.monotonic() - t, 2)
            return r
        setattr(mod, name, wrap)
    t = time.monotonic()
    demo.inventory_demo_load(actor=supervisor, customers=customers)
    print("TIMES", round(time.monotonic() - t, 2), times)
