"""tools/classroom_server.py: the app replicas behind HAProxy, on loopback. Each new browser is given a replica by
a cookie and stays on it (a Streamlit session lives in one process); the websocket goes through the balancer."""

import asyncio
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from classroom_server import COOKIE, classroom, haproxy_config, sessions_per_replica  # noqa: E402


def test_the_config_is_sticky_by_cookie_and_keeps_websockets_open(tmp_path):
    config = haproxy_config("127.0.0.1", 8501, [9001, 9002], tmp_path)
    assert f"cookie {COOKIE} insert indirect nocache httponly" in config
    assert "server r0 127.0.0.1:9001 check inter 2s cookie r0" in config and "cookie r1" in config
    assert "timeout tunnel 1h" in config and "option httpchk GET /_stcore/health" in config
    assert "\n    log " not in config  # the balancer keeps no log of what students request


def replica_cookie(url: str, cookie: str = "") -> str:
    request = urllib.request.Request(url + "/", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and b"<html" in response.read().lower()
        return next((c.split(";")[0].split("=", 1)[1] for c in response.headers.get_all("Set-Cookie") or []
                     if c.startswith(COOKIE + "=")), "")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
                    reason="haproxy is not installed (apt-get install haproxy)")
def test_two_replicas_share_the_class_and_each_browser_stays_on_its_own():
    import websockets

    with classroom(2) as room:
        # New browsers are spread over the replicas, each told which one in a cookie.
        first, second = replica_cookie(room.url), replica_cookie(room.url)
        assert {first, second} == {"r0", "r1"}
        # A browser that sends its cookie back is not given another one, and is served by the same replica,
        # also for its websocket (what carries a Streamlit session).
        before = sessions_per_replica(room)
        assert replica_cookie(room.url, f"{COOKIE}=r1") == ""

        async def open_stream():
            url = room.url.replace("http://", "ws://") + "/_stcore/stream"
            async with websockets.connect(url, subprotocols=["streamlit"],
                                          additional_headers={"Cookie": f"{COOKIE}=r1"}) as ws:
                await ws.ping()

        asyncio.run(open_stream())
        after = sessions_per_replica(room)
        assert after["r1"] - before["r1"] == 2 and after["r0"] == before["r0"]
