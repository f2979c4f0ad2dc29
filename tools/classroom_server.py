"""A class server that uses every core: N replicas of the app behind HAProxy (Debian's `haproxy` package).

    python tools/classroom_server.py                   # one replica per core (at most 8), on port 8501
    python tools/classroom_server.py --replicas 2 --port 8080 --host 0.0.0.0

Streamlit runs a page in one Python process, and each student's session lives in the process its websocket is
connected to. So the replicas are whole `streamlit run` processes on loopback ports (each loads its own copy of a
model: right for the small models a CPU serves; a 7B on one GPU stays one replica, `--replicas 1`), and the
balancer keeps each browser on one of them: on its first request HAProxy inserts a cookie naming a replica, and
every later request and the websocket carrying that cookie go to the same one (hashing the client's address would
put a whole class behind one school router, or every loopback test student, on one replica). A replica that stops
answering its health check gets no new students.

HAProxy logs nothing here (no `log` line): what students type never reaches a log. Stop with Ctrl-C: the replicas
and the balancer stop with it. Needs `haproxy` on the PATH (`apt-get install haproxy`).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COOKIE = "llama_edu_replica"

HAPROXY_CONFIG = """\
global
    maxconn 4096
    # For whoever runs the server (and the tests): `show stat` lists each replica's sessions. A file, not a port.
    stats socket {folder}/haproxy.sock mode 600 level user

defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    # A websocket is a long-lived tunnel once upgraded: a student may read a page for a long time between clicks.
    timeout tunnel 1h
    timeout http-request 30s

frontend classroom
    bind {host}:{port}
    default_backend replicas

backend replicas
    balance roundrobin
    # Sticky sessions: the replica's name in a cookie set on the first response (the page itself), sent back by the
    # browser with every request and with the websocket's upgrade request.
    cookie {cookie} insert indirect nocache httponly
    option httpchk GET /_stcore/health
{servers}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(host: str, port: int, replica_ports: list[int], folder: Path) -> str:
    servers = "\n".join(f"    server r{i} 127.0.0.1:{p} check inter 2s cookie r{i}" for i, p in enumerate(replica_ports))
    return HAPROXY_CONFIG.format(host=host, port=port, cookie=COOKIE, servers=servers, folder=folder)


def sessions_per_replica(room: "Classroom") -> dict[str, int]:
    """{replica: sessions it has been given so far}, from HAProxy's stats socket."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(room.folder / "haproxy.sock"))
        s.sendall(b"show stat\n")
        text = b"".join(iter(lambda: s.recv(65536), b"")).decode()
    header, *rows = [line.split(",") for line in text.splitlines() if line]
    col = {name.lstrip("# "): i for i, name in enumerate(header)}
    return {r[col["svname"]]: int(r[col["stot"]]) for r in rows
            if r[col["pxname"]] == "replicas" and r[col["svname"]] not in ("FRONTEND", "BACKEND")}


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{' '.join(map(str, process.args[:4]))} stopped:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


@dataclass
class Classroom:
    """A running class server: the balancer's URL and the processes behind it."""
    url: str
    replicas: list[subprocess.Popen] = field(default_factory=list)
    balancer: subprocess.Popen | None = None
    folder: Path | None = None

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.replicas]


@contextmanager
def classroom(replicas: int, port: int | None = None, host: str = "127.0.0.1", env: dict | None = None,
              keep_logs=None):
    """Start `replicas` app processes on free loopback ports and HAProxy on host:port in front of them; stop all on
    exit. Yields a Classroom. The replicas share one cookie secret, so a browser's XSRF cookie is valid on any.
    keep_logs: called on exit; True keeps the folder with the replicas' logs (a failed load test shows them)."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        raise SystemExit("haproxy is not installed: apt-get install haproxy (Debian's package)")
    folder = Path(tempfile.mkdtemp(prefix="llama_edu_class_"))
    port = port or free_port()
    # Streamlit takes the secret only from its config or the environment, not from the command line. The result
    # cache's budget (LLAMA_EDU_CAPTURE_CACHE_MB, app/common.py) is the server's: each replica gets its share.
    env = {**os.environ, **(env or {})}
    budget_mb = float(env.get("LLAMA_EDU_CAPTURE_CACHE_MB", "256"))
    env.update(STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_hex(32), LLAMA_EDU_CAPTURE_CACHE_MB=str(budget_mb / replicas))
    # The cores are the server's too: torch would give every replica a thread per core, and its idle threads spin
    # before they sleep. Two replicas of two threads on 2 cores used 320-350 ms of CPU per student visit, with one
    # thread each 225 ms (tools/classroom_load.py). A teacher's OMP_NUM_THREADS wins.
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // replicas)))
    room = Classroom(url=f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}", folder=folder)
    try:
        ports = [free_port() for _ in range(replicas)]
        for i, p in enumerate(ports):
            log = folder / f"replica{i}.log"
            room.replicas.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.port", str(p),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT))
        for i, (p, process) in enumerate(zip(ports, room.replicas)):
            _wait_healthy(f"http://127.0.0.1:{p}/_stcore/health", process, folder / f"replica{i}.log")
        config = folder / "haproxy.cfg"
        config.write_text(haproxy_config(host, port, ports, folder))
        log = folder / "haproxy.log"
        room.balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                                         stderr=log.open("w"))
        _wait_healthy(f"{room.url}/_stcore/health", room.balancer, log)
        yield room
    finally:
        for process in [room.balancer, *room.replicas]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [room.balancer, *room.replicas]:
            if process is not None:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if keep_logs is None or not keep_logs():
            shutil.rmtree(folder, ignore_errors=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--replicas", type=int, default=min(os.cpu_count() or 1, 8),
                    help="app processes (default: one per core, at most 8; 1 for a 7B on one GPU)")
    ap.add_argument("--port", type=int, default=8501, help="where students connect (default 8501)")
    ap.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    args = ap.parse_args(argv)
    if not 1 <= args.replicas <= 32:
        ap.error("--replicas must be 1..32")
    with classroom(args.replicas, args.port, args.host) as room:
        print(f"{args.replicas} replicas behind HAProxy: students open http://<this computer>:{args.port} "
              f"(here {room.url}); Ctrl-C stops the class server", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopping the command stops the class server
        try:
            while all(p.poll() is None for p in [room.balancer, *room.replicas]):
                time.sleep(1)
            print("a replica or the balancer stopped; stopping the class server", file=sys.stderr)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
