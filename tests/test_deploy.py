"""Serving a class past one process (issue 23): deploy/serve, its HAProxy configuration and the
Kubernetes manifest. The browser's side of a replica killed mid-class is tests/e2e/test_replicas.py.

The tests that run HAProxy skip where it is missing and fail under GD_REQUIRE_HAPROXY=1 (.ci/run).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml
from serving import COOKIE, ROOT, SERVE, Serve, alive, need_haproxy

MANIFEST = ROOT / "deploy" / "kubernetes.yaml"


def serve_module():
    """deploy/serve imported as a module (a script without .py)."""
    loader = importlib.machinery.SourceFileLoader("deploy_serve", str(SERVE))
    spec = importlib.util.spec_from_loader("deploy_serve", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def rendered(ports=(40001, 40002), port=8080) -> str:
    serve = serve_module()
    return serve.render(serve.TEMPLATE.read_text(), "0.0.0.0", port, list(ports))


def directives(config: str, section: str) -> list[str]:
    """The lines of one section (`defaults`, `backend replicas`...), comments and blanks left out."""
    lines, inside = [], False
    for raw in config.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        if not raw.startswith((" ", "\t")):
            inside = line.strip() == section
            continue
        if inside:
            lines.append(" ".join(line.split()))
    return lines


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, None: 0.001, "m": 60, "h": 3600, "d": 86400}[unit]


# ---- the HAProxy configuration --------------------------------------------------------------


def test_the_proxy_keeps_a_browser_on_its_replica_by_a_cookie_naming_it():
    backend = directives(rendered(ports=(40001, 40002, 40003)), "backend replicas")
    assert f"cookie {COOKIE} insert indirect nocache httponly" in backend
    servers = [line for line in backend if line.startswith("server ")]
    assert servers == [f"server r{i} 127.0.0.1:{40001 + i} cookie r{i}" for i in range(3)]


def test_a_browser_whose_replica_is_down_is_sent_to_a_live_one():
    defaults = directives(rendered(), "defaults")
    assert "option redispatch" in defaults
    retries = next(line for line in defaults if line.startswith("retries "))
    assert int(retries.split()[1]) >= 1  # redispatch happens on a retry


def test_websockets_get_a_lesson_long_tunnel_timeout():
    defaults = directives(rendered(), "defaults")
    tunnel = next(line for line in defaults if line.startswith("timeout tunnel "))
    assert seconds(tunnel.split()[2]) >= 3 * 3600  # a websocket idle between clicks, a whole lesson
    assert "mode http" in defaults  # the Upgrade is seen, and the cookie can be inserted


def test_health_checks_are_lenient_with_a_busy_replica():
    backend = directives(rendered(), "backend replicas")
    assert "option httpchk GET /_stcore/health" in backend
    check = next(line for line in backend if line.startswith("default-server "))
    words = check.split()
    options = dict(zip(words, words[1:], strict=False))
    assert "check" in words
    timeout = next(line for line in backend if line.startswith("timeout check "))
    # marked down only after at least 20 s without an answer: fall x (inter + timeout)
    assert int(options["fall"]) * (seconds(options["inter"]) + seconds(timeout.split()[2])) >= 20
    assert int(options["rise"]) >= 2


def test_the_rendered_configuration_is_valid_haproxy():
    haproxy = need_haproxy()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"gd-test-haproxy-{os.getpid()}.cfg"
    path.write_text(rendered())
    try:
        check = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True)
    finally:
        path.unlink()
    assert check.returncode == 0, check.stderr


# ---- deploy/serve's refusals: a message and a non-zero exit, nothing left running -------------


def run_serve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SERVE), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_serve_without_haproxy_says_so():
    done = run_serve("--replicas", "1", "--port", "18999", "--haproxy", "/nonexistent/haproxy")
    assert done.returncode == 2
    assert "HAProxy is not installed" in done.stderr and "apt-get install haproxy" in done.stderr
    assert done.stdout == ""  # nothing started


def test_serve_on_a_taken_port_says_so():
    need_haproxy()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve("--replicas", "1", "--port", str(port), "--address", "127.0.0.1")
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is taken" in done.stderr
    assert done.stdout == ""


def test_serve_with_a_replica_that_cannot_start_says_so_and_stops_the_others(tmp_path):
    need_haproxy()
    deployment = Serve(2, "--app", str(tmp_path / "missing.py")).start()
    assert deployment.wait() == 2
    err = deployment.err.read_text()
    assert re.search(r"replica \d exited with code \d+ before it was healthy", err), err
    assert "File does not exist" in err  # the replica's own words, from its log
    assert len(deployment.replicas) == 2 and deployment.proxy is None
    assert not [pid for pid, _ in deployment.replicas.values() if alive(pid)]


def test_serve_refuses_nonsense_arguments():
    done = run_serve("--replicas", "0")
    assert done.returncode == 2 and "--replicas must be 1..64" in done.stderr


# ---- deploy/serve running -------------------------------------------------------------------


def get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get_all("Set-Cookie") or []


def test_serve_starts_replicas_behind_the_proxy_and_a_dead_replicas_browsers_move():
    need_haproxy()
    deployment = Serve(2).start()
    try:
        assert deployment.lines[:2] == [
            f"replica {i} pid {pid} port {port}" for i, (pid, port) in sorted(deployment.replicas.items())
        ]
        assert deployment.lines[2:] == [f"proxy pid {deployment.proxy[0]} port {deployment.port}", "ready"]
        assert sorted(deployment.replicas) == [0, 1]
        # each replica answers on its own port, and through the proxy by its cookie
        for i, (_, port) in deployment.replicas.items():
            assert get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200
            status, cookies = get(f"{deployment.url}/_stcore/health", cookie=f"{COOKIE}=r{i}")
            assert status == 200 and not any(c.startswith(f"{COOKIE}=") for c in cookies)  # kept
        status, cookies = get(f"{deployment.url}/_stcore/health")  # a new browser gets a replica
        assert status == 200 and any(re.match(rf"{COOKIE}=r[01];", c) for c in cookies), cookies
        # one cookie secret, the same on every replica, in their environment, not on a command line
        secrets = set()
        for pid, _ in deployment.replicas.values():
            environ = dict(
                item.split(b"=", 1) for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if item
            )
            secrets.add(environ[b"STREAMLIT_SERVER_COOKIE_SECRET"])
            assert b"cookieSecret" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        assert len(secrets) == 1 and re.fullmatch(rb"[0-9a-f]{64}", secrets.pop())
        # a replica killed: its browsers are answered by the other, with the other's cookie
        os.kill(deployment.replicas[1][0], signal.SIGKILL)
        status, cookies = get(f"{deployment.url}/_stcore/health", cookie=f"{COOKIE}=r1")
        assert status == 200 and any(c.startswith(f"{COOKIE}=r0;") for c in cookies), cookies
        pid, port = deployment.replicas[1]
        deployment.said(f"replica 1 (pid {pid}, port {port}) exited with code -9; 1 left")
        assert deployment.process.poll() is None  # still serving
    finally:
        code = deployment.stop()
    assert code == 0  # SIGTERM: a clean stop
    started = [pid for pid, _ in deployment.replicas.values()] + [deployment.proxy[0]]
    assert not [pid for pid in started if alive(pid)]


def test_serve_stops_everything_on_ctrl_c():
    need_haproxy()
    # started as `deploy/serve &` in a script is (SIGINT ignored), then `kill -INT`, as Ctrl-C sends
    deployment = Serve(1).start(background=True)
    deployment.process.send_signal(signal.SIGINT)
    assert deployment.wait() == 0
    assert not [pid for pid in (deployment.replicas[0][0], deployment.proxy[0]) if alive(pid)]


def test_serve_stops_when_no_replica_is_left():
    need_haproxy()
    deployment = Serve(1).start()
    os.kill(deployment.replicas[0][0], signal.SIGKILL)
    assert deployment.wait() == 1
    assert "no replica left" in deployment.err.read_text()
    assert not alive(deployment.proxy[0])


# ---- the Kubernetes manifest ----------------------------------------------------------------


def manifest() -> dict[str, dict]:
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]
    return {d["kind"]: d for d in docs}


def test_the_manifest_holds_replicas_a_service_and_an_ingress():
    kinds = manifest()
    assert set(kinds) == {"Deployment", "Service", "Ingress"}
    deployment, service, ingress = kinds["Deployment"], kinds["Service"], kinds["Ingress"]
    assert deployment["spec"]["replicas"] >= 2
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert f"--server.port={ports['http']}" in container["args"]
    assert "--server.address=0.0.0.0" in container["args"]  # reachable from the Service


def test_the_ingress_keeps_a_browser_on_its_pod_by_cookie_and_keeps_websockets_open():
    annotations = manifest()["Ingress"]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "affinity"] == "cookie"
    assert annotations[prefix + "session-cookie-name"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[prefix + timeout]) >= 3 * 3600


def test_the_cookie_secret_comes_from_a_secret_and_is_not_in_the_manifest():
    container = manifest()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    secret = env["STREAMLIT_SERVER_COOKIE_SECRET"]
    assert "value" not in secret  # never written here
    assert secret["valueFrom"]["secretKeyRef"]["name"] and secret["valueFrom"]["secretKeyRef"]["key"]
    assert "cookieSecret" not in " ".join(container.get("args", []) + container.get("command", []))
    assert "kind: Secret" not in MANIFEST.read_text()  # created by the README's command, with its value


def test_the_probes_check_health_with_haproxys_leniency():
    container = manifest()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    backend = directives(rendered(), "backend replicas")
    words = next(line for line in backend if line.startswith("default-server ")).split()
    haproxy = dict(zip(words, words[1:], strict=False))
    check_timeout = seconds(next(line for line in backend if line.startswith("timeout check ")).split()[2])
    ready, live = container["readinessProbe"], container["livenessProbe"]
    for probe in (ready, live):
        assert probe["httpGet"]["path"] == "/_stcore/health"
        assert probe["timeoutSeconds"] >= check_timeout
    # out of the Service as HAProxy takes a replica out; restarted only after longer still
    assert ready["periodSeconds"] == seconds(haproxy["inter"])
    assert ready["failureThreshold"] == int(haproxy["fall"])
    assert ready["successThreshold"] == int(haproxy["rise"])

    def patience(probe: dict) -> float:
        return probe["periodSeconds"] * probe["failureThreshold"]

    assert patience(live) > patience(ready)
