"""`depot serve`: gunicorn (production WSGI server) with static files from whitenoise."""

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # control_socket_disable exists from gunicorn 27 on
                self.cfg.set(key, value)

    def load(self):
        from depot.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int = 2, threads: int = 4) -> None:
    from django.db import connections

    connections.close_all()  # workers are forked: they must open their own connections
    print(f"Depot 正在运行：http://{host}:{port}/admin/  （Ctrl+C 停止）", flush=True)
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": "-",
        "timeout": 120,
        "preload_app": True,
        "control_socket_disable": True,
    }).run()
