"""Where Depot keeps its data and secrets on this machine.

`DEPOT_HOME` (default `~/.depot`) holds the embedded PostgreSQL cluster (`pgdata/`), uploaded
files (`media/`) and, unless they come from the environment, the generated secrets (`secrets/`).
"""

import os
import secrets
from pathlib import Path


def depot_home() -> Path:
    home = Path(os.environ.get("DEPOT_HOME") or Path.home() / ".depot").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def secret(name: str, *, env: str, nbytes: int = 32) -> str:
    """A secret from the environment variable `env`, else one generated once into DEPOT_HOME.

    Generated secrets are written with mode 0600 and reused by every process; losing the field
    key means losing the encrypted personal data, so `docs/operations.md` tells to back it up.
    """
    value = os.environ.get(env)
    if value:
        return value
    folder = depot_home() / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / name
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(nbytes))
        try:
            os.link(tmp, path)  # atomic: the first process to get here wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
