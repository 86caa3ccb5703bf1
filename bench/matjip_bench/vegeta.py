"""vegeta, the compiled open-loop load generator: installed once into the tool cache, then driven with
a targets file (one request per line, so every checkout carries its own Idempotency-Key).

Open loop: requests leave at the fixed rate whether or not earlier ones were answered, so a slow server
shows up as latency and errors instead of quietly lowering the offered load.
"""

from __future__ import annotations

import asyncio
import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matjip_devstack.packages import apt_install
from matjip_devstack.paths import CACHE
from matjip_devstack.processes import StackError

VERSION = "v12.13.0"
MODULE = "github.com/tsenart/vegeta/v12"
TOOLS = CACHE / "tools"


def _go() -> str:
    go = shutil.which("go") or (str(Path("/usr/local/go/bin/go")) if Path("/usr/local/go/bin/go").exists() else None)
    if go is None:
        apt_install(["golang-go"], "building the load generator (vegeta)")
        go = shutil.which("go")
    if go is None:
        raise StackError("go not found: install Go to build vegeta")
    return go


def vegeta() -> Path:
    """The vegeta binary, built with `go install` from the Go module proxy on first use."""
    binary = TOOLS / f"vegeta-{VERSION}" / "vegeta"
    if binary.exists():
        return binary
    TOOLS.mkdir(parents=True, exist_ok=True)
    with (TOOLS / ".vegeta.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second harness waits for the first one's build
        if binary.exists():
            return binary
        print(f"building vegeta {VERSION} with go install (once; cached in {TOOLS}) ...", flush=True)
        with tempfile.TemporaryDirectory(dir=TOOLS, prefix=".build-") as tmp:
            env = os.environ | {"GOBIN": tmp, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}
            result = subprocess.run([_go(), "install", f"{MODULE}@{VERSION}"], env=env, capture_output=True,
                                    text=True, cwd=tmp)
            if result.returncode != 0:
                raise StackError(f"go install {MODULE}@{VERSION} failed:\n{result.stdout}{result.stderr}")
            binary.parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, "vegeta").rename(binary)
    return binary


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""


def write_targets(path: Path, requests: Iterable[Request]) -> int:
    """vegeta's JSON targets format, one request per line; returns how many were written."""
    count = 0
    with path.open("w") as out:
        for request in requests:
            target: dict[str, Any] = {
                "method": request.method,
                "url": request.url,
                "header": {name: [value] for name, value in request.headers.items()},
            }
            if request.body:
                target["body"] = base64.b64encode(request.body).decode()
            out.write(json.dumps(target, separators=(",", ":")) + "\n")
            count += 1
    return count


async def attack(
    targets: Path, results: Path, *, rate: int, seconds: float, timeout: float
) -> asyncio.subprocess.Process:
    """Start an attack at `rate` requests/s for `seconds`; the caller waits for the process."""
    argv = [
        str(vegeta()), "attack", "-format=json", f"-targets={targets}", f"-rate={rate}/1s",
        f"-duration={seconds}s", f"-timeout={timeout}s", "-http2=false", f"-output={results}",
    ]
    return await asyncio.create_subprocess_exec(
        *argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )


@dataclass(frozen=True)
class Report:
    requests: int
    rate: float
    throughput: float
    success: float
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    status_codes: dict[str, int]
    errors: list[str]


def parse_report(raw: Mapping[str, Any]) -> Report:
    lat = raw["latencies"]

    def ms(key: str) -> float:
        return round(float(lat[key]) / 1e6, 2)

    return Report(
        requests=int(raw["requests"]),
        rate=float(raw["rate"]),
        throughput=float(raw["throughput"]),
        success=float(raw["success"]),
        duration_s=float(raw["duration"]) / 1e9,
        p50_ms=ms("50th"), p95_ms=ms("95th"), p99_ms=ms("99th"), max_ms=ms("max"),
        status_codes={str(k): int(v) for k, v in (raw.get("status_codes") or {}).items()},
        errors=sorted(set(raw.get("errors") or []))[:10],
    )


async def report(results: Path) -> Report:
    proc = await asyncio.create_subprocess_exec(
        str(vegeta()), "report", "-type=json", str(results),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise StackError(f"vegeta report failed: {err.decode(errors='replace')}")
    return parse_report(json.loads(out))
