"""Helpers for the integration tests of the real binary: build it, write its configuration and a
recording exec hook, run it as a FastCGI responder behind the nginx site users copy
(deploy/nginx/), or as a CGI program, and stop everything afterwards.

Nothing here listens anywhere but 127.0.0.1 and temp directories; every process started is
stopped by its own handle.
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NGINX_SITE = REPO / "deploy" / "nginx" / "hubspot-install.conf"
NGINX_LOG_FORMAT = REPO / "deploy" / "nginx" / "log-format.conf"

# A fixed configuration, so the authorize URL can be compared byte for byte.
CLIENT_ID = "5d3e2a1c-7b9f-4e6d-8c2a-1f0e9d8c7b6a"
REDIRECT_URI = "https://install.example.com/oauth/callback"
APP_NAME = "Acme Sync"

_binary = None
_state_key = None


def binary() -> Path:
    """The hubspot-install executable, built once per test session (`swift build` at the repo
    root) with hubspot-install-tokens beside it. HUBSPOT_INSTALL_BIN names a prebuilt one instead
    (with its hubspot-install-tokens in the same directory)."""
    global _binary
    if _binary is None:
        given = os.environ.get("HUBSPOT_INSTALL_BIN")
        if given:
            _binary = Path(given)
        else:
            for product in ["hubspot-install", "hubspot-install-tokens"]:
                subprocess.run(["swift", "build", "--product", product], cwd=REPO, check=True,
                               stdout=subprocess.DEVNULL)
            out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=REPO, check=True,
                                 capture_output=True, text=True).stdout.strip()
            _binary = Path(out) / "hubspot-install"
        assert _binary.is_file(), f"no binary at {_binary}"
        assert tokens_binary().is_file(), f"no hubspot-install-tokens beside {_binary}"
    return _binary


def tokens_binary() -> Path:
    """hubspot-install-tokens, which the responder runs from its own directory."""
    return binary().parent / "hubspot-install-tokens"


def state_key() -> str:
    """A fresh key from `hubspot-install keygen`, one per session."""
    global _state_key
    if _state_key is None:
        _state_key = subprocess.run([str(binary()), "keygen"], check=True, capture_output=True,
                                    text=True).stdout.strip()
    return _state_key


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def settings(tmp: Path, hook: "Hook", **overrides) -> dict:
    """The fixed test configuration; keyword arguments override or add (None removes)."""
    values = {
        "HUBSPOT_CLIENT_ID": CLIENT_ID,
        "HUBSPOT_REDIRECT_URI": REDIRECT_URI,
        "HUBSPOT_SCOPES": "contacts",
        "HUBSPOT_OPTIONAL_SCOPES": "automation",
        "INSTALL_STATE_KEYS": state_key(),
        "INSTALL_STATE_DIR": str(tmp / "state"),
        "INSTALL_TOKEN_HOOK": f"exec:{hook.path}",
        "INSTALL_TOKEN_HOOK_TIMEOUT": "5",
        "INSTALL_APP_NAME": APP_NAME,
        "INSTALL_PUBLIC_DIR": str(REPO / "public"),
    }
    for key, value in overrides.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def write_config(path: Path, values: dict) -> Path:
    """A systemd-EnvironmentFile style file, as `--config` reads it."""
    lines = ["# written by the integration tests"] + [f"{k}={v}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


class Hook:
    """A real executable exec hook (/bin/sh) that records, per run, its stdin, its environment (as
    the kernel handed it over: /proc/self/environ) and its pid, then sleeps, prints `stdout`,
    writes `stderr`, and exits with `exit_code`."""

    def __init__(self, directory: Path, exit_code=0, sleep=0.0, stdout="", stderr=""):
        self.directory = directory
        self.runs_dir = directory / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.path = directory / "hook.sh"
        self.configure(exit_code=exit_code, sleep=sleep, stdout=stdout, stderr=stderr)

    def configure(self, exit_code=0, sleep=0.0, stdout="", stderr=""):
        def quote(text):
            return "'" + text.replace("'", "'\\''") + "'"
        script = f"""#!/bin/sh
d={quote(str(self.runs_dir))}
echo $$ > "$d/$$.pid.tmp" && mv "$d/$$.pid.tmp" "$d/$$.pid"
cat > "$d/$$.stdin"
cat /proc/$$/environ > "$d/$$.env"
touch "$d/$$.started"
{"sleep " + str(sleep) if sleep else ":"}
printf '%s' {quote(stdout)}
printf '%s' {quote(stderr)} >&2
touch "$d/$$.done"
exit {int(exit_code)}
"""
        tmp = self.path.with_suffix(".new")
        tmp.write_text(script)
        tmp.chmod(0o755)
        tmp.replace(self.path)

    def runs(self) -> list:
        """One dict per run that got as far as recording its environment."""
        out = []
        for env_file in sorted(self.runs_dir.glob("*.env")):
            pid = env_file.name.split(".")[0]
            raw_env = env_file.read_bytes()
            env = dict(item.split(b"=", 1) for item in raw_env.split(b"\0") if item)
            out.append({
                "pid": int(pid),
                "stdin": (self.runs_dir / f"{pid}.stdin").read_bytes(),
                "env": {k.decode(): v.decode() for k, v in env.items()},
                "done": (self.runs_dir / f"{pid}.done").exists(),
            })
        return out

    def started_count(self) -> int:
        return len(list(self.runs_dir.glob("*.started")))


class Responder:
    """`hubspot-install serve --socket PATH --config FILE` with its stderr in a file. `launch`
    replaces how it is started: a function (binary, serve_arguments) -> argv, for spawn-fcgi or
    systemd-socket-activate; `listen` replaces `--socket PATH` (e.g. ["--listen", "127.0.0.1:9000"]);
    `workers` passes `--workers N` (None: the binary's default). `process` is the master.

    One worker by default: each worker batches its access-log lines (StandardError.swift), so lines
    of two workers can reach stderr out of request order, and many tests read the log in order.
    test_workers.py runs several."""

    def __init__(self, tmp: Path, config: Path, env=None, threads=4, socket_path=None, launch=None,
                 listen=None, ready=None, workers=1):
        self.tmp = tmp
        self.socket_path = socket_path or tmp / "hubspot-install.sock"
        self.stderr_path = tmp / "responder.stderr"
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        base.update(env or {})
        listen_arguments = listen if listen is not None else ["--socket", str(self.socket_path)]
        serve = ["serve", *listen_arguments, "--threads", str(threads), "--config", str(config)]
        if workers is not None:
            serve += ["--workers", str(workers)]
        argv = launch(str(binary()), serve) if launch else [str(binary()), *serve]
        self._stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(argv, cwd=tmp, env=base, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self._stderr)
        try:
            wait_for(ready or self._ready, what="the responder")
        except AssertionError:
            self.stop()
            raise AssertionError("responder did not start:\n" + self.stderr())

    def _ready(self):
        if self.process.poll() is not None:
            raise AssertionError("responder exited:\n" + self.stderr())
        return "\"started\"" in self.stderr()

    def stderr(self) -> str:
        # Access-log lines are written in batches every 20 ms (StandardError.swift): give the
        # last batch time to land, so a check of the log sees every request made before it.
        time.sleep(0.05)
        return self.stderr_path.read_text(errors="replace")

    def log_lines(self) -> list:
        """The JSON lines on stderr, each parsed (every line must be JSON)."""
        return [json.loads(line) for line in self.stderr().splitlines() if line.strip()]

    def access_lines(self, at_least=0) -> list:
        """The access-log lines; waits until there are `at_least` (a line is written just after the
        response has gone out, so it may trail the client by a moment)."""
        def lines():
            found = [line for line in self.log_lines() if "route" in line]
            return found if len(found) >= at_least else None
        return wait_for(lines, timeout=5, what=f"{at_least} access-log lines") if at_least else lines()

    def socket_mode(self) -> int:
        return stat.S_IMODE(os.stat(self.socket_path).st_mode)

    def signal(self, number):
        self.process.send_signal(number)

    def stop(self, timeout=15.0):
        """SIGTERM, wait; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        return self.process.returncode


class Nginx:
    """nginx running deploy/nginx/hubspot-install.conf, rendered for a temp prefix: only the
    listen line, the TLS lines, root, the socket path and the access-log path are replaced, each
    replacement checked, so the test serves the file users copy."""

    def __init__(self, tmp: Path, socket_path: Path, public: Path = REPO / "public", shipped_limits=False):
        self.prefix = tmp / "nginx"
        (self.prefix / "logs").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.access_log = self.prefix / "logs" / "hubspot-install.access.log"
        self.error_log = self.prefix / "logs" / "error.log"
        self.conf = self.prefix / "nginx.conf"
        site = render_site(NGINX_SITE.read_text(), port=self.port, root=public, socket_path=socket_path,
                           access_log=self.access_log, shipped_limits=shipped_limits)
        (self.prefix / "hubspot-install.conf").write_text(site)
        shutil.copy(NGINX_LOG_FORMAT, self.prefix / "log-format.conf")
        # The site's `include fastcgi_params;` resolves next to nginx.conf, as in /etc/nginx.
        shutil.copy("/etc/nginx/fastcgi_params", self.prefix / "fastcgi_params")
        shutil.copy("/etc/nginx/mime.types", self.prefix / "mime.types")
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = self.prefix / "temp"
        temp.mkdir(exist_ok=True)
        self.conf.write_text(f"""{user}worker_processes 1;
daemon off;
pid {self.prefix}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 256; }}
http {{
    include mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    fastcgi_temp_path {temp}/fastcgi;
    proxy_temp_path {temp}/proxy;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include log-format.conf;
    include hubspot-install.conf;
}}
""")
        self.process = subprocess.Popen(
            ["nginx", "-p", str(self.prefix) + "/", "-e", str(self.error_log), "-c", str(self.conf)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for(self._ready, what="nginx")
        except AssertionError:
            self.stop()
            raise

    def _ready(self):
        if self.process.poll() is not None:
            raise AssertionError("nginx exited: " + self.process.stderr.read().decode(errors="replace")
                                 + self.error_log.read_text(errors="replace"))
        return accepts(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log_text(self) -> str:
        return self.access_log.read_text(errors="replace") if self.access_log.exists() else ""

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def _replace(text, pattern, replacement, count, what):
    new, made = re.subn(pattern, replacement, text, flags=re.M)
    assert made == count, f"deploy/nginx/hubspot-install.conf: expected {count} {what}, found {made}"
    return new


def render_site(text: str, port: int, root: Path, socket_path: Path, access_log: Path,
                shipped_limits=False) -> str:
    """The site with its paths and port replaced. Every test sends its requests from 127.0.0.1, so
    unless `shipped_limits`, the rate limit keeps its directives but gets a rate and a burst no
    test reaches (test_limits.py exercises the shipped numbers). A load test on an idle 2-core machine goes past
    10 000 requests/s, which used to turn its answers into 429s."""
    if not shipped_limits:
        text = _replace(text, r"rate=30r/m;$", "rate=1000000r/s;", 1, "limit_req_zone rate")
        text = _replace(text, r"burst=20 nodelay;$", "burst=1000000 nodelay;", 3, "limit_req bursts")
    text = _replace(text, r"^(\s*)listen 443 ssl http2;$", rf"\1listen 127.0.0.1:{port};", 1, "IPv4 listen line")
    text = _replace(text, r"^\s*listen \[::\]:443 ssl http2;\n", "", 1, "IPv6 listen line")
    text = _replace(text, r"^\s*ssl_certificate(_key)? .*;\n", "", 2, "ssl_certificate lines")
    text = _replace(text, r"^(\s*)root /opt/hubspot-install/public;$", rf"\1root {root};", 1, "root line")
    text = _replace(text, r"unix:/run/hubspot-install/hubspot-install\.sock;", f"unix:{socket_path};", 7,
                    "fastcgi_pass sockets")
    text = _replace(text, r"/var/log/nginx/hubspot-install\.access\.log", str(access_log), 1, "access log path")
    return text


def run_cgi(env: dict, stdin=b"", args=(), cwd=None, timeout=20) -> subprocess.CompletedProcess:
    """The binary as a web server runs a CGI program: the request in the environment, the answer
    on stdout."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "test", "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1"}
    base.update(env)
    return subprocess.run([str(binary()), *args], env=base, input=stdin, capture_output=True, cwd=cwd,
                          timeout=timeout)


def parse_cgi_output(raw: bytes):
    """(status, [(name, value)], body) of a CGI response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines]
    status = int(dict(headers)["Status"].split()[0])
    return status, headers, body


class Stack:
    """A responder behind nginx, with a recording hook, for one test. Every code, state, cookie
    value and key the test handles is remembered, and `assert_nothing_leaked` looks for each in
    the responder's stderr, nginx's access log and every page fetched."""

    def __init__(self, tmp: Path, hook_options=None, env=None, threads=4, workers=1, **overrides):
        self.tmp = tmp
        self.hook = Hook(tmp / "hook", **(hook_options or {}))
        self.values = settings(tmp, self.hook, **overrides)
        self.config = write_config(tmp / "hubspot-install.env", self.values)
        self.secrets = {self.values["INSTALL_STATE_KEYS"]}
        self.bodies = []
        self.responder = Responder(tmp, self.config, env=env, threads=threads, workers=workers)
        try:
            self.nginx = Nginx(tmp, self.responder.socket_path)
        except BaseException:
            self.responder.stop()
            raise

    def get(self, path, cookie=None, method="GET", timeout=30):
        import requests
        headers = {"Cookie": cookie} if cookie else {}
        response = requests.request(method, self.nginx.url + path, headers=headers, allow_redirects=False,
                                    timeout=timeout)
        self.bodies.append(response.content)
        return response

    def authorize(self, cookie=None):
        """GET /oauth/authorize: (response, state, 'name=value' of the binding cookie)."""
        response = self.get("/oauth/authorize", cookie=cookie)
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        state = re.search(r"[?&]state=([^&]*)", location).group(1)
        set_cookie = response.headers["Set-Cookie"]
        pair = set_cookie.split(";", 1)[0]
        self.secrets.update({state, pair.split("=", 1)[1]})
        return response, state, pair

    def new_code(self) -> str:
        code = "na1-" + os.urandom(12).hex() + "-" + os.urandom(8).hex()
        self.secrets.add(code)
        return code

    def callback(self, state, cookie, code=None):
        """The browser arriving back from HubSpot: the code, the state as given, the cookie."""
        code = code or self.new_code()
        return self.get(f"/oauth/callback?code={code}&state={state}", cookie=cookie)

    def assert_nothing_leaked(self):
        places = {
            "responder stderr": self.responder.stderr(),
            "nginx access log": self.nginx.access_log_text(),
        }
        for index, body in enumerate(self.bodies):
            places[f"page {index}"] = body.decode("utf-8", errors="replace")
        for secret in self.secrets:
            for where, text in places.items():
                assert secret not in text, f"a secret value appears in the {where}"

    def stop(self):
        self.nginx.stop()
        return self.responder.stop()


def _fcgi_record(kind: int, request_id: int, content: bytes) -> bytes:
    import struct
    padding = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", 1, kind, request_id, len(content), padding) + content + b"\0" * padding


def _fcgi_pair(name: bytes, value: bytes) -> bytes:
    import struct

    def length(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    return length(len(name)) + length(len(value)) + name + value


def fastcgi_request(address, params: list, stdin: bytes = b"", timeout=10.0) -> bytes:
    """A FastCGI responder request as nginx sends one (BEGIN_REQUEST, PARAMS, STDIN), with params
    given as a list of (name, value) so names may repeat. `address` is a unix socket path or a
    (host, port) pair. Returns the STDOUT bytes: the CGI-style response."""
    import struct
    family = socket.AF_UNIX if isinstance(address, (str, Path)) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(address) if family == socket.AF_UNIX else address)
        body = b"".join(_fcgi_pair(n.encode(), v.encode()) for n, v in params)
        out = _fcgi_record(1, 1, struct.pack(">HB5x", 1, 0))  # BEGIN_REQUEST, responder, no keep-conn
        for offset in range(0, len(body), 65535):
            out += _fcgi_record(4, 1, body[offset:offset + 65535])
        out += _fcgi_record(4, 1, b"")
        for offset in range(0, len(stdin), 65535):
            out += _fcgi_record(5, 1, stdin[offset:offset + 65535])
        out += _fcgi_record(5, 1, b"")
        s.sendall(out)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    stdout, offset = b"", 0
    while offset + 8 <= len(data):
        _, kind, _, length, padding = struct.unpack(">BBHHB", data[offset:offset + 7])
        content = data[offset + 8:offset + 8 + length]
        if kind == 6:
            stdout += content
        offset += 8 + length + padding
    return stdout


# ---- Deployment tests (deploy/apache, deploy/systemd, spawn-fcgi, key rotation) ------------------
# The browser's side of the flow against any front server, a state's fields, and unit files.

def front_get(base_url, path, cookie=None, method="GET", headers=None):
    import requests
    sent = dict(headers or {})
    if cookie:
        sent["Cookie"] = cookie
    return requests.request(method, base_url + path, headers=sent, allow_redirects=False, timeout=30)


def front_authorize(base_url, cookie=None):
    """GET /oauth/authorize: (response, state, 'name=value' of the binding cookie)."""
    response = front_get(base_url, "/oauth/authorize", cookie=cookie)
    assert response.status_code == 302, response.text
    state = re.search(r"[?&]state=([^&]*)$", response.headers["Location"]).group(1)
    return response, state, response.headers["Set-Cookie"].split(";", 1)[0]


def front_callback(base_url, state, cookie, code=None):
    """The browser back from HubSpot: (response, code)."""
    code = code or "na1-" + os.urandom(12).hex() + "-" + os.urandom(8).hex()
    return front_get(base_url, f"/oauth/callback?code={code}&state={state}", cookie=cookie), code


def json_log_lines(text: str) -> list:
    """The responder's JSON lines in a stderr that may hold other lines too (a supervisor's)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def check_install_flow(base_url, hook: Hook, log_text) -> set:
    """What every deployment must show: the landing page, authorize, a good callback running the
    hook once, the same link again and a tampered state refused without running it. `log_text()`
    is the responder's stderr. Returns the secrets handled (code, states, cookie) so the caller can
    look for them in its logs."""
    landing = front_get(base_url, "/")
    assert landing.status_code == 200 and 'href="/oauth/authorize"' in landing.text, landing.text
    _, state, cookie = front_authorize(base_url)
    response, code = front_callback(base_url, state, cookie)
    assert response.status_code == 303, response.text
    assert len(hook.runs()) == 1 and json.loads(hook.runs()[0]["stdin"])["code"] == code
    assert front_callback(base_url, state, cookie, code=code)[0].status_code == 400
    _, fresh, cookie = front_authorize(base_url, cookie=cookie)
    tampered = fresh[:30] + ("A" if fresh[30] != "A" else "B") + fresh[31:]
    assert front_callback(base_url, tampered, cookie)[0].status_code == 400
    assert len(hook.runs()) == 1

    def reasons():
        found = [line["reason"] for line in json_log_lines(log_text()) if line.get("route") == "callback"]
        return found if len(found) >= 3 else None
    # In any order: each worker writes its own batches of lines (and a line follows its response).
    assert sorted(wait_for(reasons, timeout=5, what="callback log lines")) == ["ok", "state_bad_tag",
                                                                              "state_replayed"]
    return {code, state, fresh, tampered, cookie.split("=", 1)[1]}


def state_key_id(key: str) -> bytes:
    """The 4-byte id a state carries for the key that signed it (StateKey.swift)."""
    import base64
    import hashlib
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    return hashlib.sha256(b"hubspot-install state key id\0" + raw).digest()[:4]


def state_fields(state: str) -> dict:
    """version, key id and issued-at of a state (StateSigner.swift: 1 | 4 | 8 | 32 | 32 bytes)."""
    import base64
    raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))
    return {"version": raw[0], "key_id": raw[1:5], "issued_at": int.from_bytes(raw[5:13], "big")}


def unit_file(path: Path) -> dict:
    """A systemd unit file as {section: [(key, value), ...]}, repeated keys kept in order."""
    sections, current = {}, None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections
