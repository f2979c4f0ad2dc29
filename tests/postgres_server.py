"""A throwaway PostgreSQL server for the tests, on loopback: Debian's `postgresql` package (CI installs it).

    with postgres_server() as url:      # "postgresql://postgres@127.0.0.1:PORT/postgres"
        ...

initdb in a fresh temporary folder, trust authentication for 127.0.0.1 only (no other host can connect, and it
listens on nothing else), its unix socket in that folder, fsync off (the data is thrown away), stopped and deleted at
the end. initdb refuses to run as root: as root, the server runs as Debian's `postgres` user (`runuser`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 30


def postgres_bin() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: Debian's newest /usr/lib/postgresql/N/bin, else initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_not() -> str | None:
    """Why no server can be started here (a reason to skip), or None."""
    if postgres_bin() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and there is no runuser to run the server as `postgres`"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def postgres_server():
    """Start a server, yield its URL, stop it and delete its files."""
    bin_dir, as_root = postgres_bin(), os.geteuid() == 0
    # As root the folder must be reachable by `postgres`: /tmp, not a private TMPDIR.
    home = Path(tempfile.mkdtemp(prefix="llama-edu-pg-", dir="/tmp" if as_root else None))
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        user = pwd.getpwnam("postgres")
        os.chown(home, user.pw_uid, user.pw_gid)
    data, log = home / "data", home / "server.log"

    def run(*command: str) -> None:
        done = subprocess.run([*run_as, *command], capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr[-2000:]}{server_log}")

    started = False
    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
            "--encoding=UTF8", "--locale=C")
        # Trust is for this machine's loopback only: no line for any other address, no unix-socket users but this.
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        for attempt in range(3):  # another program may take the free port between probe and start
            port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {home} -c fsync=off -c synchronous_commit=off "
                       "-c full_page_writes=off -c max_connections=100")
            try:
                run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                    "-t", str(START_TIMEOUT_S), "start")
                started = True
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run([*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=START_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
        shutil.rmtree(home, ignore_errors=True)
