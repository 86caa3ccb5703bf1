"""Installing what the local stack needs: Debian packages with apt-get, Java programs with mvn."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from matjip_devstack.paths import CACHE, DEVSTACK_DIR
from matjip_devstack.processes import StackError

_apt_updated = False


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: list[str], why: str) -> None:
    """Install Debian packages when root; otherwise say exactly what to run."""
    global _apt_updated
    if not packages:
        return
    if not is_root() or shutil.which("apt-get") is None:
        raise StackError(f"{why} needs the Debian packages {' '.join(packages)}: run "
                         f"`sudo apt-get install -y {' '.join(packages)}` and try again")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Another apt run (a colleague, unattended-upgrades) may hold the lock: wait for it, don't fail.
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    if not _apt_updated:
        print("apt-get update ...", flush=True)
        subprocess.run(["apt-get", *lock, "update", "-qq"], check=True, env=env)
        _apt_updated = True
    print(f"apt-get install {' '.join(packages)} ...", flush=True)
    subprocess.run(["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", *packages],
                   check=True, env=env)


def _mvn() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        apt_install(["maven"], "fetching Kafka and Zipkin from Maven Central")
        mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("mvn not found")
    return mvn


def java() -> str:
    path = shutil.which("java")
    if path is None:
        apt_install(["openjdk-17-jre-headless"], "running Kafka and Zipkin")
        path = shutil.which("java")
    if path is None:
        raise StackError("java not found")
    return path


def _fill_cache(target: Path, mvn_args: list[str]) -> Path:
    """Run mvn into a temporary directory and move it to `target` only when complete."""
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        out = Path(tmp) / "out"
        cmd = [_mvn(), "-q", "-B", f"-DoutputDirectory={out}", *mvn_args]
        print(f"fetching {target.name} from Maven Central (once; cached in {target.parent}) ...", flush=True)
        result = subprocess.run(cmd, cwd=DEVSTACK_DIR / "maven", capture_output=True, text=True)
        if result.returncode != 0:
            raise StackError(f"mvn failed ({' '.join(cmd)}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        (out / ".complete").write_text("ok\n")
        if target.exists():
            shutil.rmtree(target)
        out.rename(target)
    return target


KAFKA_VERSION = "3.9.1"
ZIPKIN_VERSION = "3.5.1"


def kafka_libs() -> Path:
    """A directory holding Kafka's jars and an slf4j binding (the class path is `<dir>/*`)."""
    return _fill_cache(
        CACHE / f"kafka-{KAFKA_VERSION}",
        ["-f", "pom.xml", f"-Dkafka.version={KAFKA_VERSION}", "-DincludeScope=runtime",
         "dependency:copy-dependencies"],
    )


def kafka_tools_jar() -> Path:
    """Kafka's tools jar (ProducerPerformance and friends), to run with :func:`kafka_libs` on the class path.

    Only the jar itself: its own dependencies (Connect, Jetty, Jersey) are nothing the tools we run need,
    and the broker's class path stays as it is.
    """
    target = _fill_cache(
        CACHE / f"kafka-tools-{KAFKA_VERSION}",
        ["-f", "pom.xml", f"-Dartifact=org.apache.kafka:kafka-tools:{KAFKA_VERSION}", "dependency:copy"],
    )
    return target / f"kafka-tools-{KAFKA_VERSION}.jar"


def zipkin_jar() -> Path:
    target = _fill_cache(
        CACHE / f"zipkin-{ZIPKIN_VERSION}",
        ["-f", "pom.xml", f"-Dartifact=io.zipkin:zipkin-server:{ZIPKIN_VERSION}:jar:exec",
         "dependency:copy"],
    )
    return target / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
