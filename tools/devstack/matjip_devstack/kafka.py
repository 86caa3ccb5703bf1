"""A single-node Kafka in KRaft mode (broker + controller in one JVM), Apache Kafka's own jars."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from matjip_devstack import config
from matjip_devstack.packages import java, kafka_libs
from matjip_devstack.paths import DATA, LOGS, RUN
from matjip_devstack.processes import (
    Handle,
    StackError,
    log_tail,
    port_open,
    read_pidfile,
    spawn,
    stop_pidfile,
    wait_until,
)
from matjip_devstack.topics import run_sync

_LOG4J = """\
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-request and state-change chatter is noise on a dev machine.
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.org.apache.kafka.controller=WARN
log4j.logger.org.apache.kafka.raft=WARN
log4j.logger.kafka.log.LogCleaner=WARN
"""


async def _broker_answers(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers")) and cluster.get("controller_id", -1) != -1
    except Exception:
        return False
    finally:
        await admin.close()



def new_cluster_id() -> str:
    """A UUID in URL-safe base64 without padding, as `kafka-storage random-uuid` prints it, and like Kafka's
    own never starting with '-': the storage tool's argument parser would take such an id for an option
    (one format in 64 failed with "argument --cluster-id/-t: expected one argument")."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id

class Kafka:
    name = "kafka"
    port = config.KAFKA_PORT

    def __init__(self) -> None:
        self.home = DATA / "kafka"
        self.log_dir = self.home / "data"
        self.config_dir = self.home / "config"
        self.pidfile = RUN / "kafka.pid"
        self.log_path = LOGS / "kafka.log"
        self._handle: Handle | None = None

    def healthy(self) -> bool:
        return port_open(self.port) and run_sync(_broker_answers(config.KAFKA_BOOTSTRAP))

    def running(self) -> bool:
        return read_pidfile(self.pidfile) is not None or port_open(self.port)

    def _write_config(self) -> Path:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{config.HOST}:{config.KAFKA_CONTROLLER_PORT}",
            "listeners": f"PLAINTEXT://{config.HOST}:{config.KAFKA_PORT},"
            f"CONTROLLER://{config.HOST}:{config.KAFKA_CONTROLLER_PORT}",
            "advertised.listeners": f"PLAINTEXT://{config.HOST}:{config.KAFKA_PORT}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.log_dir),
            "num.partitions": str(config.TOPIC_PARTITIONS),
            # Topics come from the contract; a typo must fail loudly, not create a topic.
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            # Fewer offset partitions than the default 50: faster first consumer-group join.
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "min.insync.replicas": "1",
            # Tests start and stop consumer groups constantly: don't wait 3 s for more members.
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "72",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "delete.topic.enable": "true",
            # The controller appends a no-op record to the metadata log this often (default every 500 ms):
            # a single node has no follower to reassure, and each append is idle CPU.
            "metadata.max.idle.interval.ms": "5000",
        }
        path = self.config_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.config_dir / "log4j.properties").write_text(_LOG4J)
        return path

    def _java(self, main: str, args: list[str], heap: str) -> list[str]:
        return [
            # The serial collector does no work between collections (G1's refinement and service threads
            # wake up even at idle); a dev broker's young pauses are a few milliseconds.
            java(), f"-Xmx{heap}", "-Xms128m", "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{self.config_dir / 'log4j.properties'}",
            f"-Dkafka.logs.dir={LOGS}",
            "-cp", f"{kafka_libs()}/*", main, *args,
        ]

    def _format(self, properties: Path) -> None:
        if (self.log_dir / "meta.properties").exists():
            return
        import subprocess

        cluster_id = new_cluster_id()
        result = subprocess.run(
            self._java("kafka.tools.StorageTool",
                       ["format", "-t", cluster_id, "-c", str(properties), "--ignore-formatted"], "256m"),
            capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise StackError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")

    def launch(self) -> bool:
        """Start the JVM without waiting for it (Kafka takes seconds; start others meanwhile)."""
        if self.running():
            return False
        properties = self._write_config()
        self._format(properties)
        self._handle = spawn(
            self.name, self._java("kafka.Kafka", [str(properties)], "1g"),
            log_path=self.log_path, pid_dir=RUN,
        )
        return True

    def wait_healthy(self, timeout: float = 120) -> None:
        handle = self._handle

        def ready() -> bool:
            if handle is not None and not handle.alive():
                raise StackError(f"Kafka exited at start:\n{log_tail(self.log_path)}")
            return self.healthy()

        wait_until(ready, timeout, f"Kafka on {config.KAFKA_BOOTSTRAP} (log: {self.log_path})", 0.5)

    def start(self) -> bool:
        started = self.launch()
        self.wait_healthy()
        return started

    def stop(self) -> bool:
        # A clean shutdown lets the next start skip log recovery.
        return stop_pidfile(self.pidfile, timeout=30)
