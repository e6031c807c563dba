#!/usr/bin/env python3
"""Apache for the integration tests: the sites users copy (deploy/apache/), rendered for a temp
install, served by Debian's apache2 started here on a free loopback port, in each of its modes:

- `proxy_fcgi`: mod_proxy_fcgi to a responder's unix socket (started by the test);
- `fcgid`: mod_fcgid spawning the binary with its listening socket on fd 0;
- `cgi` / `cgid`: the binary as a CGI program (mod_cgi under prefork, mod_cgid under event, which
  is what Debian's `a2enmod cgi` picks).

Run as a program, this file is a stand-in for the binary that records what Apache hands it (the
CGI environment, or the FastCGI params) in `recorded/` next to itself and answers 200.

As root, Apache's children (and the programs mod_fcgid and mod_cgi start) run as www-data, so the
install lives in a temp directory of its own under /tmp that www-data can reach, not under pytest's
private tmp_path.
"""
import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "apache"
MODULES = Path("/usr/lib/apache2/modules")
SITES = {
    "proxy_fcgi": "hubspot-install-proxy-fcgi.conf",
    "fcgid": "hubspot-install-fcgid.conf",
    "cgi": "hubspot-install-cgi.conf",
    "cgid": "hubspot-install-cgi.conf",
}
# What Debian's default apache2.conf enables (mpm, authz_core, alias, dir, env, mime, setenvif, ...)
# plus what each site needs.
BASE_MODULES = ["authz_core", "authz_host", "alias", "dir", "env", "mime", "setenvif", "headers"]
MODE_MODULES = {
    "proxy_fcgi": ["mpm_event", "proxy", "proxy_fcgi"],
    "fcgid": ["mpm_event", "fcgid"],
    "cgi": ["mpm_prefork", "cgi"],
    "cgid": ["mpm_event", "cgid"],
}
WEB_USER = "www-data"


def running_as_root() -> bool:
    return os.geteuid() == 0


def web_ids():
    """(uid, gid) Apache's children run as: www-data as root, else ourselves."""
    if running_as_root():
        return pwd.getpwnam(WEB_USER).pw_uid, grp.getgrnam(WEB_USER).gr_gid
    return os.geteuid(), os.getegid()


def give_to_web_user(path: Path):
    """A directory the programs Apache starts (as www-data) must write to."""
    path.mkdir(parents=True, exist_ok=True)
    if running_as_root():
        uid, gid = web_ids()
        os.chown(path, uid, gid)


class Install:
    """/opt/hubspot-install as the sites expect it, in a temp directory: bin/hubspot-install (the
    binary, or the recorder), public/ (a copy of the repository's), etc/, logs/."""

    def __init__(self, program: Path, public: Path):
        self.root = Path(tempfile.mkdtemp(prefix="hubspot-install-apache-", dir="/tmp"))
        self.root.chmod(0o755)
        self.opt = self.root / "opt"
        (self.opt / "bin").mkdir(parents=True)
        self.program = self.opt / "bin" / "hubspot-install"
        shutil.copy2(program, self.program)
        self.program.chmod(0o755)
        # The responder runs the token program for hubspot and webhook: from its own directory.
        tokens = Path(program).parent / "hubspot-install-tokens"
        if tokens.is_file():
            shutil.copy2(tokens, self.opt / "bin" / tokens.name)
        shutil.copytree(public, self.opt / "public")
        for sub in ["etc", "logs", "run"]:
            (self.root / sub).mkdir()
        self.config = self.root / "etc" / "hubspot-install.env"
        self.socket_path = self.root / "run" / "hubspot-install.sock"
        self.recorded = self.opt / "bin" / "recorded"
        give_to_web_user(self.recorded)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def _substitute(text: str, old: str, new: str, at_least: int, what: str, name: str) -> str:
    """Replaces `old` on the lines that are not comments, checking how often it occurs there."""
    lines = text.split("\n")
    count = 0
    for index, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        count += line.count(old)
        lines[index] = line.replace(old, new)
    assert count >= at_least, f"deploy/apache/{name}: expected {what} ({old!r}), found {count}"
    return "\n".join(lines)


def render_site(name: str, port: int, install: Install) -> str:
    """The site file with path and port substitutions only, each checked."""
    text = (DEPLOY / name).read_text()
    new, made = re.subn(r"^<VirtualHost \*:443>$", f"<VirtualHost 127.0.0.1:{port}>", text, flags=re.M)
    assert made == 1, f"deploy/apache/{name}: expected one <VirtualHost *:443>"
    new, made = re.subn(r"^\s*(SSLEngine on|SSLCertificateFile .*|SSLCertificateKeyFile .*)\n", "", new, flags=re.M)
    assert made == 3, f"deploy/apache/{name}: expected the three SSL lines, found {made}"
    new = _substitute(new, "/opt/hubspot-install/", f"{install.opt}/", 3, "install paths", name)
    new = _substitute(new, "/var/log/apache2/", f"{install.root}/logs/", 2, "log paths", name)
    if "proxy-fcgi" in name:
        new = _substitute(new, "unix:/run/hubspot-install/hubspot-install.sock|",
                          f"unix:{install.socket_path}|", 1, "the socket", name)
    else:
        new = _substitute(new, "/etc/hubspot-install/hubspot-install.env", str(install.config), 1,
                          "the configuration file", name)
    return new


class Apache:
    """apache2 -D FOREGROUND with a generated server configuration (what Debian's apache2.conf
    and ports.conf hold) that includes the rendered site."""

    def __init__(self, mode: str, install: Install):
        self.mode = mode
        self.install = install
        self.dir = install.root / "apache"
        (self.dir / "run").mkdir(parents=True)
        self.port = _free_port()
        self.access_log = install.root / "logs" / "hubspot-install.access.log"
        self.error_log = install.root / "logs" / "hubspot-install.error.log"
        self.server_log = self.dir / "server-error.log"
        site = self.dir / "hubspot-install.conf"
        site.write_text(render_site(SITES[mode], self.port, install))
        modules = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so"
                            for m in MODE_MODULES[mode] + BASE_MODULES)
        user = f"User {WEB_USER}\nGroup {WEB_USER}\n" if running_as_root() else ""
        extra = ""
        if mode == "fcgid":
            ipc = self.dir / "fcgid"
            give_to_web_user(ipc)
            extra = f"FcgidIPCDir {ipc}\nFcgidProcessTableFile {ipc}/shm\n"
        elif mode == "cgid":
            extra = f"ScriptSock {self.dir}/run/cgisock\n"
        self.conf = self.dir / "apache2.conf"
        self.conf.write_text(f"""ServerRoot {self.dir}
DefaultRuntimeDir {self.dir}/run
PidFile {self.dir}/run/apache2.pid
Mutex file:{self.dir}/run default
ErrorLog {self.server_log}
LogLevel info
{user}ServerName localhost
Listen 127.0.0.1:{self.port}
Timeout 60
{modules}
TypesConfig /etc/mime.types
<Directory />
    Options FollowSymLinks
    AllowOverride None
    Require all denied
</Directory>
{extra}Include {site}
""")
        check = subprocess.run(["apache2", "-f", str(self.conf), "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self._stderr = open(self.dir / "apache2.stderr", "wb")
        # A session of its own: every process Apache starts (children, mod_fcgid's and mod_cgid's)
        # can be found again by its group id when checking that none is left.
        self.process = subprocess.Popen(["apache2", "-f", str(self.conf), "-D", "FOREGROUND"],
                                        stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
                                        start_new_session=True)
        try:
            _wait(self._ready, "apache2")
        except BaseException:
            self.stop()
            raise

    def _ready(self):
        if self.process.poll() is not None:
            raise AssertionError("apache2 exited:\n" + self.server_log_text()
                                 + (self.dir / "apache2.stderr").read_text(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log_text(self) -> str:
        return self.access_log.read_text(errors="replace") if self.access_log.exists() else ""

    def error_log_text(self) -> str:
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def server_log_text(self) -> str:
        return self.server_log.read_text(errors="replace") if self.server_log.exists() else ""

    def group_members(self) -> list:
        """Pids still in Apache's process group (the parent included while it runs)."""
        pgid = self.process.pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
        return found

    def stop(self) -> list:
        """SIGTERM to the parent (it stops its children, and mod_fcgid its programs), wait; then any
        process of its group still there is killed by pid. Returns those leftovers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        leftovers = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            leftovers = self.group_members()
            if not leftovers:
                break
            time.sleep(0.05)
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._stderr.close()
        return leftovers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


# ---- the recorder: run as a program in place of hubspot-install --------------------------------

def _record(directory: Path, kind: str, values: dict):
    directory.mkdir(exist_ok=True)
    tmp = directory / f".{os.getpid()}-{time.monotonic_ns()}"
    tmp.write_text(json.dumps({"kind": kind, "values": values}))
    tmp.rename(directory / (tmp.name[1:] + ".json"))


def _fcgi_serve(listener: socket.socket, directory: Path):
    def record(kind, request_id, content):
        padding = (8 - len(content) % 8) % 8
        return struct.pack(">BBHHBx", 1, kind, request_id, len(content), padding) + content + b"\0" * padding

    def read_exact(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    while True:
        conn, _ = listener.accept()
        with conn:
            params, request_id = b"", 1
            try:
                while True:
                    _, kind, request_id, length, padding = struct.unpack(">BBHHBx", read_exact(conn, 8))
                    content = read_exact(conn, length + padding)[:length]
                    if kind == 4:
                        params += content
                    if kind == 5 and length == 0:
                        break
            except EOFError:
                continue
            values, offset = {}, 0
            while offset < len(params):
                lengths = []
                for _ in range(2):
                    if params[offset] < 128:
                        lengths.append(params[offset])
                        offset += 1
                    else:
                        lengths.append(struct.unpack(">I", params[offset:offset + 4])[0] & 0x7FFFFFFF)
                        offset += 4
                name = params[offset:offset + lengths[0]].decode("latin-1")
                values[name] = params[offset + lengths[0]:offset + lengths[0] + lengths[1]].decode("latin-1")
                offset += lengths[0] + lengths[1]
            _record(directory, "fastcgi", values)
            body = b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nrecorded\n"
            conn.sendall(record(6, request_id, body) + record(6, request_id, b"")
                         + record(3, request_id, b"\0" * 8))


def main(arguments):
    directory = Path(__file__).resolve().parent / "recorded"
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if "--socket" in arguments:
        path = arguments[arguments.index("--socket") + 1]
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chmod(path, 0o660)
        listener.listen(16)
        _fcgi_serve(listener, directory)
    fd0 = socket.socket(fileno=os.dup(0)) if _is_listening(0) else None
    if fd0 is not None:
        _fcgi_serve(fd0, directory)
    _record(directory, "cgi", dict(os.environ))
    sys.stdout.write("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nrecorded\n")


def _is_listening(fd) -> bool:
    try:
        probe = socket.socket(fileno=os.dup(fd))
    except OSError:
        return False
    try:
        return probe.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
    except OSError:
        return False
    finally:
        probe.close()


if __name__ == "__main__":
    main(sys.argv[1:])
