"""Where the local stack keeps things: the checkout's `.data/` and a per-user download cache."""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    # MATJIP_ROOT lets a wheel install (not editable) still find the checkout.
    env = os.environ.get("MATJIP_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "matjip").is_file() and (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd().resolve()


ROOT: Path = _find_root()
# MATJIP_DEVSTACK_DATA: only for the devstack's own tests (an isolated second stack).
DATA: Path = Path(os.environ.get("MATJIP_DEVSTACK_DATA", ROOT / ".data")).resolve()
LOGS: Path = DATA / "logs"
RUN: Path = DATA / "run"
CACHE: Path = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "matjip"
DEVSTACK_DIR: Path = Path(__file__).resolve().parent.parent
ADMIN_ENV: Path = DATA / "admin.env"
DEMO_ENV: Path = DATA / "demo.env"  # the demo city's accounts (matjip_demo.accounts)
KEY_DIR: Path = DATA / "keys"
SANDBOX_PG_KEY: Path = DATA / "sandbox-pg.key"


def ensure_dirs() -> None:
    for d in (DATA, LOGS, RUN, CACHE):
        d.mkdir(parents=True, exist_ok=True)
