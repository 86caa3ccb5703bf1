"""The web app in `web/`: its npm dependencies (`npm ci` from the committed lock file), its production build
(`vite build` into `web/dist`, which the edge serves at `/`), and the Chromium its browser tests drive.

Each step runs only when what it depends on changed: `npm ci` when package-lock.json did, the build when a
source did (a digest of the sources, not file times, which a checkout resets). A lock file in `.data/run`
keeps two commands (`./matjip up` and `./matjip test`) from building at the same moment.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from matjip_devstack.packages import apt_install
from matjip_devstack.paths import ROOT, RUN
from matjip_devstack.processes import StackError

WEB = ROOT / "web"
DIST = WEB / "dist"
# What the production build is made from; tests (*.test.ts) and browser specs are not part of it.
BUILD_INPUTS = ("index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json", "src", "scripts")
_INSTALLED_STAMP = WEB / "node_modules" / ".matjip-lock-sha256"
_BUILT_STAMP = DIST / ".matjip-source-sha256"
# Vite 8 runs on Node.js 20.19+ (or 22.12+).
MIN_NODE = (20, 19)

CHROMIUM = Path("/usr/bin/chromium")
# Korean text needs a Korean font, or every page renders boxes.
KOREAN_FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StackError(
            f"`{name}` not found: the web app needs Node.js {MIN_NODE[0]}.{MIN_NODE[1]}+ with npm "
            "(https://nodejs.org/en/download)"
        )
    return found


def node_version() -> tuple[int, int]:
    out = subprocess.run([_tool("node"), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    if match is None:
        raise StackError(f"cannot read the Node.js version from {out!r}")
    return int(match[1]), int(match[2])


def check_node() -> None:
    found = node_version()
    if found < MIN_NODE:
        raise StackError(f"the web app needs Node.js {MIN_NODE[0]}.{MIN_NODE[1]}+, found {found[0]}.{found[1]}")


def _digest_files(paths: Iterator[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(WEB)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _build_input_files() -> Iterator[Path]:
    for name in BUILD_INPUTS:
        path = WEB / name
        if path.is_file():
            yield path
        elif path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file() and ".test." not in p.name)


def source_digest() -> str:
    return _digest_files(_build_input_files())


@contextmanager
def _exclusive() -> Iterator[None]:
    RUN.mkdir(parents=True, exist_ok=True)
    with (RUN / "web-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _npm(*args: str, what: str) -> None:
    command = [_tool("npm"), *args]
    result = subprocess.run(command, cwd=WEB, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        output = result.stdout[-4000:] + result.stderr[-4000:]
        raise StackError(f"{what} failed ({' '.join(command)} in web/):\n{output}")


def _say(text: str) -> None:
    print(text, flush=True)


def ensure_dependencies(say: Callable[[str], None] = _say) -> bool:
    """`npm ci` when node_modules does not match package-lock.json; True if it ran."""
    check_node()
    wanted = _digest_files(iter([WEB / "package-lock.json"]))
    if _INSTALLED_STAMP.is_file() and _INSTALLED_STAMP.read_text().strip() == wanted:
        return False
    say("installing the web app's npm packages (npm ci) ...")
    # npm ci removes node_modules first, so the stamp goes with it and is written only on success.
    _npm("ci", "--no-audit", "--no-fund", "--loglevel=error", what="npm ci")
    _INSTALLED_STAMP.write_text(wanted + "\n")
    return True


def ensure_built(say: Callable[[str], None] = _say) -> bool:
    """The production build in web/dist, rebuilt when a source changed; True if it was (re)built."""
    with _exclusive():
        ensure_dependencies(say)
        wanted = source_digest()
        if (DIST / "index.html").is_file() and _BUILT_STAMP.is_file() and _BUILT_STAMP.read_text().strip() == wanted:
            return False
        say("building the web app (vite build) ...")
        _npm("run", "build", what="the web app's build")
        _BUILT_STAMP.write_text(wanted + "\n")
        return True


def ensure_chromium() -> Path:
    """Debian's Chromium (Playwright cannot download its own browsers here) and a Korean font; or the
    browser MATJIP_CHROMIUM names (e.g. a CI image's preinstalled Chrome), with the font."""
    chosen = os.environ.get("MATJIP_CHROMIUM")
    if chosen:
        apt_install([] if KOREAN_FONT.exists() else ["fonts-nanum"], "the web app's browser tests")
        if not Path(chosen).is_file():
            raise StackError(f"MATJIP_CHROMIUM={chosen} is not a file")
        return Path(chosen)
    missing = [name for name, path in (("chromium", CHROMIUM), ("fonts-nanum", KOREAN_FONT)) if not path.exists()]
    apt_install(missing, "the web app's browser tests")
    if not CHROMIUM.exists():
        raise StackError(f"{CHROMIUM} not found after installing chromium")
    return CHROMIUM
