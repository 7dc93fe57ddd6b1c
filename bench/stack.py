"""What the bench scripts run on 127.0.0.1: the database, gunicorn, Redis and HAProxy.

Shared by bench/load.py, bench/faults.py and bench/perf.py. Every server is started in its own
process group and stopped by its id.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess  # noqa: S404 - fixed argument lists: gunicorn, redis-server, haproxy
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address the bench talks to
# The last line of a traceback: "django.db.utils.OperationalError: ..." or "KeyError: ...".
EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*: |^[A-Za-z_]\w*(?:Error|Exception): "
)


def log(message: str) -> None:
    print(f"[{Path(sys.argv[0]).stem}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# The database


def environment(args) -> dict[str, str]:
    """Production-like settings for the server and for Django inside the scripts."""
    url = f"postgres://{args.pg_user}@{HOST}:{args.pg_port}/{args.db_name}"
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE": "false",  # plain HTTP on 127.0.0.1: no HTTPS redirect, no secure cookies
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": url,
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_ALLOW_CONSOLE_EMAIL": "true",  # the run sends no email worth delivering
        # Its clinicians sign in with the password alone: the load, not two-step sign-in.
        "DJANGO_TWO_FACTOR_REQUIRED": "false",
    }


def admin_connection(args):
    import psycopg

    return psycopg.connect(
        host=HOST, port=args.pg_port, user=args.pg_user, dbname="postgres", autocommit=True
    )


def drop_database(args, name: str | None = None) -> None:
    from psycopg import sql

    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()
    with admin_connection(args) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name or args.db_name)
            )
        )


def create_database(args, name: str | None = None) -> None:
    from psycopg import sql

    drop_database(args, name)
    with admin_connection(args) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name or args.db_name)))


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def restart_command(args) -> list[str]:
    """The command that restarts the local PostgreSQL cluster."""
    if args.restart_cmd:
        return args.restart_cmd.split()
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*"))
    if len(versions) != 1:
        raise SystemExit(f"Found PostgreSQL clusters {versions}: pass --restart-cmd")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "restart"]


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def need(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise SystemExit(f"{program} not found: install it with `apt-get install {package}`")
    return path


class Process:
    """A server started in its own process group, stopped by its id."""

    def __init__(self, name: str, command: list[str], workdir: Path, env=None, cwd=None):
        self.name, self.command, self.env, self.cwd = name, command, env, cwd
        self.log_path = workdir / f"{name}.log"
        self.proc = None

    def start(self, ready, wait: float = 15) -> None:
        with self.log_path.open("a") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one below
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if ready():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start within {wait:g} s: see {self.log_path}")

    def stop(self, wait: float = 10) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # graceful: requests in flight finish
        try:
            self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started
            self.proc.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL to the whole process group at once: a machine that died."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


class Server(Process):
    """gunicorn serving config.wsgi with gthread workers."""

    def __init__(self, args, env: dict[str, str], workdir: Path, name: str = "gunicorn"):
        self.port = free_port()
        command = [sys.executable, "-m", "gunicorn", "config.wsgi"]
        command += ["--bind", f"{HOST}:{self.port}", "--worker-class", "gthread"]
        command += ["--workers", str(args.workers), "--threads", str(args.threads)]
        command += ["--timeout", "30", "--graceful-timeout", "10"]
        super().__init__(name, command, workdir, env={**os.environ, **env}, cwd=ROOT)
        self.log_path.write_text("")

    def start(self) -> None:
        def ready():
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", "/accounts/login/")
                return conn.getresponse().status == 200
            finally:
                conn.close()

        super().start(ready, wait=30)

    def stop(self) -> None:
        super().stop(wait=20)

    def log_findings(self) -> dict:
        """What the server logged: for each 500, the exception that ended the request."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        causes, last = Counter(), None
        for line in [*text.splitlines(), "Internal Server Error: (end)"]:
            if line.startswith("Internal Server Error:"):
                if last:
                    causes[last] += 1
                last = None
            elif EXCEPTION_LINE.match(line):
                last = line.strip()[:200]
        return {
            "log": str(self.log_path),
            "internal_server_errors": text.count("Internal Server Error:"),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "causes": dict(causes.most_common(8)),
        }


class Redis(Process):
    """A redis-server of its own on a free port, without persistence: a restarted cache
    starts empty, as a cache may. The one on 6379 is never touched."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        command = [need("redis-server", "redis-server"), "--port", str(self.port)]
        command += ["--bind", HOST, "--save", "", "--appendonly", "no"]
        super().__init__("redis", command, workdir)

    def client(self):
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_connect_timeout=1)

    def start(self) -> None:
        super().start(lambda: self.client().ping())

    def stats(self) -> dict:
        info = self.client().info()
        return {
            "keys": self.client().dbsize(),
            "hits": info.get("keyspace_hits", 0),
            "misses": info.get("keyspace_misses", 0),
        }


HAPROXY_CONFIG = """\
global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    # A request whose server refused the connection or died before answering is sent to the
    # other server (safe here: every form carries a submission token).
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend web
    bind {host}:{port}
    default_backend app

backend app
    balance roundrobin
    # A busy server answers its health check late but is not down: a patient check. A dead
    # one is taken out at its first refused connection (observe layer4), without waiting.
    option httpchk
    http-check send meth GET uri /health/ ver HTTP/1.1 hdr Host {host}
    timeout check 10s
    timeout queue 30s
    default-server check inter 1s fall 3 rise 2 observe layer4 error-limit 1 on-error mark-down
    server a {host}:{port_a}
    server b {host}:{port_b}

listen stats
    bind {host}:{stats_port}
    stats enable
    stats uri /stats
"""


class HAProxy(Process):
    """HAProxy in front of two app servers, a and b."""

    def __init__(self, workdir: Path, port_a: int, port_b: int):
        self.port, self.stats_port = free_port(), free_port()
        config = workdir / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(
                host=HOST, port=self.port, port_a=port_a, port_b=port_b, stats_port=self.stats_port
            )
        )
        super().__init__("haproxy", [need("haproxy", "haproxy"), "-db", "-f", str(config)], workdir)

    def start(self) -> None:
        super().start(lambda: all(row["status"] == "UP" for row in self.servers().values()))

    def servers(self) -> dict[str, dict]:
        conn = http.client.HTTPConnection(HOST, self.stats_port, timeout=2)
        try:
            conn.request("GET", "/stats;csv")
            text = conn.getresponse().read().decode()
        finally:
            conn.close()
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "app" and row["svname"] in ("a", "b")
        }
