"""The local edge: nginx (Debian's) on 127.0.0.1:8080 routing `/api/<service>/...` to that service and
serving the web app's build at `/`.

nginx rather than a Python proxy: the edge must not be what limits the platform on two cores (a Python
proxy spent more CPU per request than the service behind it). Paths are forwarded unchanged (every
service serves under `/api/<service>`); responses are not buffered, so Server-Sent Events pass through as
they are produced; connections to the services are kept alive and pooled. Errors the edge itself
answers (unknown route, service down or silent) are problem+json like the services' own.

Run with `python -m matjip_devstack.edge [--host H] [--port P] [--state-dir D] [--web-root W]`: it writes
the nginx configuration into the state directory and becomes nginx (same pid, so the pid file and
SIGTERM work as for any process of the stack). Upstreams default to the conventions' ports and can be
replaced with MATJIP_EDGE_UPSTREAMS='{"auth": "http://127.0.0.1:9001", "order": ["http://...", ...]}'.

Replicas: a service may have several upstream URLs; nginx balances across them (least connections), and
`matjip_devstack.edge_control` rewrites the list (a replica marked down or draining) and reloads nginx
gracefully. Which requests the edge sends again to another replica when one fails before answering:
- GET, HEAD, PUT, DELETE, OPTIONS (idempotent by HTTP's definition, and ours): on a connection error or
  timeout, whether or not the request had reached the failed replica;
- POST and PATCH only when they never reached it (the connection was refused or could not be made) -
  except checkout (`POST /api/order/orders` with an `Idempotency-Key`), which is sent again even if the
  failed replica may have received it: order answers a repeated key with the order the first one made,
  so a retry can never place a second order. A login, a token refresh (a replayed refresh token revokes
  the session), an owner's decision or a review are never repeated by the edge.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matjip_devstack import config
from matjip_devstack.packages import apt_install
from matjip_devstack.paths import ROOT, RUN
from matjip_devstack.processes import Handle, StackError, spawn
from matjip_devstack.services import PROCESSES

WEB_DIST = ROOT / "web" / "dist"
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_UPSTREAM = re.compile(r"^http://([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):[0-9]{1,5}$")

Upstreams = Mapping[str, Sequence[str]]

# POST routes whose service answers a repeated Idempotency-Key with its first result: safe to send again.
KEYED_POST_ROUTES: Mapping[str, tuple[str, ...]] = {"order": ("/api/order/orders",)}
# Old workers keep serving what they hold after a reload (a Server-Sent Events stream may last hours);
# past this they close it and the client reconnects (EventSource resumes with Last-Event-ID).
WORKER_SHUTDOWN_TIMEOUT = "60s"
STATE_FILE = "edge.json"


def nginx_binary() -> str:
    """nginx from Debian's `nginx-light` package, installed on first use."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        apt_install(["nginx-light"], "the local edge")
        found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise StackError("nginx not found after installing nginx-light")
    return found


def default_upstreams() -> dict[str, list[str]]:
    raw = os.environ.get("MATJIP_EDGE_UPSTREAMS")
    if raw:
        return parse_upstreams(raw)
    return {s.name: [f"http://{config.HOST}:{s.port}"] for s in PROCESSES}


def parse_upstreams(raw: str) -> dict[str, list[str]]:
    """`{"name": "http://host:port"}` or `{"name": ["http://host:port", ...]}` (replicas)."""
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise StackError("MATJIP_EDGE_UPSTREAMS must be a JSON object")
    upstreams: dict[str, list[str]] = {}
    for name, value in parsed.items():
        urls = [value] if isinstance(value, str) else list(value)
        upstreams[str(name)] = [str(url).rstrip("/") for url in urls]
    return upstreams


def _problem(status: int, title: str, code: str, detail: str) -> str:
    # $edge_instance is the request path restricted to URI characters that need no JSON escaping.
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code})
    return body[:-1] + ', "instance": "$edge_instance"}'


def _quoted(text: str) -> str:
    """An nginx string literal (single quotes; the JSON inside uses double quotes only)."""
    if "'" in text or "\\" in text:
        raise ValueError(f"cannot quote {text!r} for nginx")
    return f"'{text}'"


def render_config(
    *,
    host: str,
    port: int,
    upstreams: Upstreams,
    state_dir: Path,
    log_path: Path,
    web_root: Path | None,
    run_as_root: bool,
    down: Collection[str] = (),
) -> str:
    """The whole nginx.conf of the edge; upstream URLs in `down` are listed but get no requests."""
    for name, urls in upstreams.items():
        if not _NAME.match(name):
            raise StackError(f"invalid service name for the edge: {name!r}")
        if not urls:
            raise StackError(f"service {name!r} has no upstream address")
        for url in urls:
            if not _UPSTREAM.match(url):
                raise StackError(f"edge upstream for {name} must look like http://host:port, not {url!r}")
    known = ", ".join(sorted(upstreams))
    lines: list[str] = [
        "# Generated by matjip_devstack.edge; rewritten at every start.",
        *(["user root;"] if run_as_root else []),
        "daemon off;",
        "master_process on;",
        # One worker: the edge shares two cores with every service, Kafka and PostgreSQL.
        "worker_processes 1;",
        f"pid {state_dir / 'nginx.pid'};",
        f"error_log {log_path} warn;",
        f"worker_shutdown_timeout {WORKER_SHUTDOWN_TIMEOUT};",
        "events { worker_connections 8192; multi_accept on; }",
        "http {",
        "  access_log off;",  # RED metrics live in the services; an access line per request costs CPU
        "  server_tokens off;",
        "  include /etc/nginx/mime.types;",
        "  default_type application/octet-stream;",
        "  sendfile on;",
        "  tcp_nodelay on;",
        "  keepalive_timeout 75s;",
        "  keepalive_requests 100000;",
        "  client_max_body_size 1m;",
        f"  client_body_temp_path {state_dir / 'client_body'};",
        f"  proxy_temp_path {state_dir / 'proxy'};",
        # A micro-cache for what a service marks cacheable (Cache-Control max-age, e.g. a store's public
        # menu for one second): the hottest reads cost the service one request per second, not one per
        # browser. Responses without max-age, and private or no-cache ones, are never stored.
        f"  proxy_cache_path {state_dir / 'cache'} levels=1:2 keys_zone=edge:10m max_size=64m inactive=1m"
        " use_temp_path=off;",
        f"  fastcgi_temp_path {state_dir / 'fastcgi'};",
        f"  uwsgi_temp_path {state_dir / 'uwsgi'};",
        f"  scgi_temp_path {state_dir / 'scgi'};",
        "  gzip on;",
        "  gzip_types application/json application/problem+json application/javascript text/css image/svg+xml;",
        "  gzip_min_length 1024;",
        '  map $request_uri $edge_instance { "~^(?<path>/[A-Za-z0-9._~/%:@!()*+,=-]*)" $path; default ""; }',
        *_keyed_post_map(),
    ]
    for name, urls in sorted(upstreams.items()):
        # Least connections: a replica that is slow (or stopped) collects no queue of new requests.
        lines += [f"  upstream {_upstream(name)} {{", "    least_conn;"]
        for url in urls:
            # Passive health: a replica that refuses a connection is skipped for 2 s; the devstack's
            # supervisor marks a replica `down` when its readiness fails and while it drains.
            flag = " down" if url in down else ""
            lines.append(f"    server {url.removeprefix('http://')} max_fails=1 fail_timeout=2s{flag};")
        # Pooled keep-alive connections: closed here before the service's own 75 s idle timeout.
        lines += ["    keepalive 128;", "    keepalive_timeout 60s;", "    keepalive_requests 100000;", "  }"]
    lines += [
        "  server {",
        f"    listen {host}:{port} backlog=4096;",
        "    proxy_http_version 1.1;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header Host $http_host;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    proxy_set_header X-Forwarded-Host $http_host;",
        # Buffered (a cache needs it); a stream that says `X-Accel-Buffering: no` (Server-Sent Events do)
        # reaches the browser as it is written.
        "    proxy_buffering on;",
        "    proxy_cache edge;",
        "    proxy_cache_lock on;",  # one request fills an expired entry; the others wait for it
        "    proxy_cache_use_stale updating;",
        "    add_header X-Cache-Status $upstream_cache_status always;",
        "    proxy_request_buffering on;",
        "    proxy_connect_timeout 3s;",
        "    proxy_send_timeout 30s;",
        "    proxy_read_timeout 1h;",  # an SSE stream may stay quiet between heartbeats
        # A stale pooled connection or a replica that refuses is retried on another connection or replica:
        # idempotent methods always, POST only if it never reached the service (see the module's doc).
        "    proxy_next_upstream error timeout;",
        "    proxy_next_upstream_tries 3;",
        "    proxy_next_upstream_timeout 15s;",
        "    proxy_intercept_errors off;",
        "    error_page 502 503 /.edge/502;",
        "    error_page 504 /.edge/504;",
        "    location = /.edge/502 { internal; default_type application/problem+json; return 502 "
        + _quoted(_problem(502, "Bad Gateway", "upstream_unavailable", "the service is unreachable")) + "; }",
        "    location = /.edge/504 { internal; default_type application/problem+json; return 504 "
        + _quoted(_problem(504, "Gateway Timeout", "upstream_timeout", "the service did not answer")) + "; }",
        "    location = /health/live { default_type application/json; return 200 '{\"status\": \"ok\"}'; }",
        "    location = /health/ready { default_type application/json; return 200 '{\"status\": \"ok\"}'; }",
    ]
    for name in sorted(upstreams):
        lines += _service_locations(name)
    lines += [
        "    location /api/ { default_type application/problem+json; return 404 "
        + _quoted(_problem(404, "Not Found", "unknown_service", f"no such service; known: {known}")) + "; }",
    ]
    if web_root is not None:
        lines += [
            f"    root {web_root};",
            # Hashed build assets never change under their name; index.html always revalidates.
            "    location /assets/ { expires 1y; add_header Cache-Control \"public, immutable\"; "
            "try_files $uri =404; }",
            "    location / { add_header Cache-Control \"no-cache\"; try_files $uri /index.html; }",
        ]
    else:
        routes = json.dumps({"routes": {f"/api/{n}/": urls[0] for n, urls in sorted(upstreams.items())}})
        lines += [
            "    location = / { default_type application/json; return 200 " + _quoted(routes) + "; }",
            "    location / { default_type application/problem+json; return 404 "
            + _quoted(_problem(404, "Not Found", "route_not_found", "the edge routes /api/<service>/...")) + "; }",
        ]
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def _upstream(name: str) -> str:
    return f"svc_{name.replace('-', '_')}"


def _keyed_post_map() -> list[str]:
    """`$edge_keyed_post` is 1 for a POST to a route that honours Idempotency-Key, carrying one."""
    lines = ['  map "$request_method $uri $http_idempotency_key" $edge_keyed_post {', "    default 0;"]
    for routes in KEYED_POST_ROUTES.values():
        for route in routes:
            lines.append(f'    "~^POST {re.escape(route)}/? [^ ]+$" 1;')
    return [*lines, "  }"]


def _service_locations(name: str) -> list[str]:
    upstream = _upstream(name)
    if name not in KEYED_POST_ROUTES:
        return [f"    location /api/{name}/ {{ proxy_pass http://{upstream}; }}"]
    # nginx cannot vary proxy_next_upstream by header, so a keyed checkout is handed to a named location
    # that may resend it (`return 418` inside `if` is one of the two things nginx's `if` does safely). An
    # error_page in a location replaces the server's, so the edge's own error pages are repeated here.
    keyed = f"@{upstream}_keyed"
    return [
        f"    location /api/{name}/ {{",
        f"      error_page 418 = {keyed};",
        "      error_page 502 503 /.edge/502;",
        "      error_page 504 /.edge/504;",
        "      if ($edge_keyed_post) { return 418; }",
        f"      proxy_pass http://{upstream};",
        "    }",
        f"    location {keyed} {{",
        "      proxy_next_upstream error timeout non_idempotent;",
        f"      proxy_pass http://{upstream};",
        "    }",
    ]


def web_root_default() -> Path | None:
    return WEB_DIST if (WEB_DIST / "index.html").is_file() else None


@dataclass(frozen=True)
class EdgeSettings:
    """What the edge's configuration is rendered from, kept beside it (edge.json) so that another process
    can change the upstreams of a running edge (matjip_devstack.edge_control)."""

    host: str
    port: int
    upstreams: dict[str, list[str]]
    log_path: Path
    web_root: Path | None
    down: tuple[str, ...] = ()

    def render(self, state_dir: Path) -> str:
        return render_config(
            host=self.host, port=self.port, upstreams=self.upstreams, state_dir=state_dir, log_path=self.log_path,
            web_root=self.web_root, run_as_root=os.geteuid() == 0, down=self.down,
        )

    def save(self, state_dir: Path) -> None:
        data = {"host": self.host, "port": self.port, "upstreams": self.upstreams, "log_path": str(self.log_path),
                "web_root": str(self.web_root) if self.web_root else None, "down": list(self.down)}
        tmp = state_dir / f"{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(state_dir / STATE_FILE)

    @classmethod
    def load(cls, state_dir: Path) -> EdgeSettings:
        try:
            data = json.loads((state_dir / STATE_FILE).read_text())
        except FileNotFoundError:
            raise StackError(f"no edge was started with state in {state_dir}") from None
        return cls(
            host=data["host"], port=int(data["port"]),
            upstreams={str(k): [str(u) for u in v] for k, v in data["upstreams"].items()},
            log_path=Path(data["log_path"]), web_root=Path(data["web_root"]) if data["web_root"] else None,
            down=tuple(data["down"]),
        )


def nginx_argv(state_dir: Path, log_path: Path, conf: Path | None = None) -> list[str]:
    # -e: nginx opens its compiled-in error log before reading ours; point it somewhere writable.
    return [nginx_binary(), "-e", str(log_path), "-p", str(state_dir), "-c", str(conf or state_dir / "nginx.conf")]


def prepare(
    *,
    host: str,
    port: int,
    upstreams: Upstreams,
    state_dir: Path,
    log_path: Path,
    web_root: Path | None,
) -> list[str]:
    """Write the configuration (and what it was made from); returns the argv that runs nginx in the
    foreground."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    settings = EdgeSettings(host, port, {k: list(v) for k, v in upstreams.items()}, log_path, web_root)
    (state_dir / "nginx.conf").write_text(settings.render(state_dir))
    settings.save(state_dir)
    return nginx_argv(state_dir, log_path)


def spawn_edge(
    *,
    port: int,
    upstreams: Upstreams,
    state_dir: Path,
    log_path: Path,
    host: str = config.HOST,
    web_root: Path | None = None,
    pid_dir: Path | None = None,
) -> Handle:
    """Start the edge (nginx in the foreground, its own session); doesn't wait for it to listen."""
    command = prepare(host=host, port=port, upstreams=upstreams, state_dir=state_dir, log_path=log_path,
                      web_root=web_root)
    return spawn("edge", command, log_path=log_path, pid_dir=pid_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m matjip_devstack.edge", description=__doc__)
    parser.add_argument("--host", default=config.HOST)
    parser.add_argument("--port", type=int, default=config.EDGE_PORT)
    parser.add_argument("--state-dir", type=Path, default=None, help="where nginx.conf and temp files go")
    parser.add_argument("--log", type=Path, default=None, help="nginx's error log (default: stderr's file)")
    parser.add_argument("--web-root", type=Path, default=None, help="the web app's build (default web/dist)")
    args = parser.parse_args(argv)
    state_dir: Path = args.state_dir or RUN / f"edge-{args.port}"
    log_path: Path = args.log or state_dir / "error.log"
    web_root = args.web_root if args.web_root is not None else web_root_default()
    command = prepare(host=args.host, port=args.port, upstreams=default_upstreams(), state_dir=state_dir,
                      log_path=log_path, web_root=web_root)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
