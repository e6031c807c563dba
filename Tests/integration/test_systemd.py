"""deploy/systemd/ as users copy it, and the other ways a supervisor hands the responder its socket.

systemd is not PID 1 where these tests run, so the units are checked by `systemd-analyze verify`
and `systemd-analyze security --offline`, their settings are read back, and the activation they
describe is played by `systemd-socket-activate`: the socket of `ListenStream=`, the command of
`ExecStart=`, the variables of `Environment=` (specifiers filled in), the credential of
`LoadCredential=`, the directory of `StateDirectory=`. Then the full flow runs through the nginx
site, as it does for spawn-fcgi. The inetd styles show what each gives a user."""
import os
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time

import pytest

from harness import (REPO, Hook, Nginx, Responder, binary, check_install_flow, fastcgi_request, front_get,
                     json_log_lines, parse_cgi_output, settings, state_key, unit_file, wait_for, write_config)

SYSTEMD = REPO / "deploy" / "systemd"
SERVICE = SYSTEMD / "hubspot-install.service"
SOCKET = SYSTEMD / "hubspot-install.socket"
ENV_EXAMPLE = SYSTEMD / "hubspot-install.env"


def values(unit, section, key):
    return [value for name, value in unit[section] if name == key]


def one(unit, section, key):
    found = values(unit, section, key)
    assert len(found) == 1, (section, key, found)
    return found[0]


def render(text, replacements):
    """Path substitutions only, each one required to match."""
    for old, new in replacements.items():
        assert old in text, f"expected {old!r} in the deploy file"
        text = text.replace(old, new)
    return text


class Installed:
    """What a user sets up next to the units, in a temp directory: the example configuration (paths
    replaced), the state-keys file, the credentials and state directories systemd would make."""

    def __init__(self, tmp, keys=None):
        self.tmp = tmp
        self.hook = Hook(tmp / "hook")
        self.config = tmp / "etc" / "hubspot-install.env"
        self.config.parent.mkdir()
        self.config.write_text(render(ENV_EXAMPLE.read_text(), {
            "exec:/opt/hubspot-install/hooks/exchange": f"exec:{self.hook.path}",
            "INSTALL_PUBLIC_DIR=/opt/hubspot-install/public": f"INSTALL_PUBLIC_DIR={REPO / 'public'}",
        }))
        self.key_file = tmp / "etc" / "state-keys"
        self.key_file.write_text((keys or state_key()) + "\n")
        self.key_file.chmod(0o600)
        self.socket_path = tmp / "run" / "hubspot-install.sock"
        self.socket_path.parent.mkdir()
        self.credentials = tmp / "credentials"
        self.state_root = tmp / "var-lib"
        self.service_text = render(SERVICE.read_text(), {
            "/opt/hubspot-install/bin/hubspot-install": str(binary()),
            "/etc/hubspot-install/hubspot-install.env": str(self.config),
            "/etc/hubspot-install/state-keys": str(self.key_file),
            "WorkingDirectory=/opt/hubspot-install": f"WorkingDirectory={tmp}",
        })
        self.socket_text = render(SOCKET.read_text(), {
            "/run/hubspot-install/hubspot-install.sock": str(self.socket_path)})
        (tmp / "units").mkdir()
        self.service = tmp / "units" / "hubspot-install.service"
        self.service.write_text(self.service_text)
        self.socket = tmp / "units" / "hubspot-install.socket"
        self.socket.write_text(self.socket_text)

    def activation(self):
        """(argv, environment, cwd) of the service as systemd would start it."""
        unit = unit_file(self.service)
        self.credentials.mkdir(mode=0o700, exist_ok=True)
        for entry in values(unit, "Service", "LoadCredential"):
            name, _, source = entry.partition(":")
            shutil.copy(source, self.credentials / name)
        for name in values(unit, "Service", "StateDirectory"):
            (self.state_root / name).mkdir(parents=True, exist_ok=True)
        environment = {}
        for entry in values(unit, "Service", "Environment"):
            key, _, value = entry.partition("=")
            environment[key] = value.replace("%d", str(self.credentials)).replace("%S", str(self.state_root))
        return shlex.split(one(unit, "Service", "ExecStart")), environment, one(unit, "Service", "WorkingDirectory")


def socket_activate(installed, extra=()):
    """systemd-socket-activate playing hubspot-install.socket + .service; the responder starts on
    the first connection, so it is ready once the socket is announced."""
    argv, environment, cwd = installed.activation()
    listen = one(unit_file(installed.socket), "Socket", "ListenStream")
    setenv = [f"--setenv={key}={value}" for key, value in environment.items()]
    stderr_path = installed.tmp / "responder.stderr"

    def launch(_binary, _serve):
        return ["systemd-socket-activate", *extra, f"--listen={listen}", *setenv, "--", *argv]
    responder = Responder(installed.tmp, installed.config, launch=launch, socket_path=installed.socket_path,
                          ready=lambda: "Listening on" in stderr_path.read_text(errors="replace"))
    assert cwd == str(installed.tmp)
    return responder


@pytest.fixture
def cleanup():
    things = []
    yield things.append
    for thing in reversed(things):
        thing.stop()


def test_units_pass_systemd_analyze_verify(tmp_path):
    installed = Installed(tmp_path)
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(installed.socket), str(installed.service)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stdout + done.stderr


def test_units_hold_the_settings_the_deployment_relies_on():
    service, socket_unit = unit_file(SERVICE), unit_file(SOCKET)
    assert one(socket_unit, "Socket", "ListenStream") == "/run/hubspot-install/hubspot-install.sock"
    assert one(socket_unit, "Socket", "Accept") == "no"
    assert one(socket_unit, "Socket", "SocketMode") == "0660"
    assert one(socket_unit, "Socket", "SocketGroup") == "www-data"
    assert one(socket_unit, "Install", "WantedBy") == "sockets.target"
    # The same socket the nginx site and the Apache proxy_fcgi site pass to.
    for site in [REPO / "deploy" / "nginx" / "hubspot-install.conf",
                 REPO / "deploy" / "apache" / "hubspot-install-proxy-fcgi.conf"]:
        assert "unix:/run/hubspot-install/hubspot-install.sock" in site.read_text()

    assert one(service, "Unit", "Requires") == "hubspot-install.socket"
    assert one(service, "Service", "ExecStart") == (
        "/opt/hubspot-install/bin/hubspot-install serve --config /etc/hubspot-install/hubspot-install.env")
    assert one(service, "Service", "User") == "hubspot-install"
    assert "DynamicUser" not in dict(service["Service"])
    assert one(service, "Service", "StateDirectory") == "hubspot-install"
    assert one(service, "Service", "Restart") == "always"
    # A crash loop never locks the service out (no start limit), and restarts are not a tight loop.
    assert one(service, "Unit", "StartLimitIntervalSec") == "0"
    assert one(service, "Service", "RestartSec") == "2s"
    # `systemctl reload` is SIGHUP to the master (test_workers.py shows what it does).
    assert one(service, "Service", "ExecReload") == "/bin/kill -HUP $MAINPID"
    assert one(service, "Service", "KillMode") == "mixed"  # hooks in flight finish on stop
    # No RuntimeDirectory=hubspot-install: stopping the service would delete the socket's directory.
    assert "RuntimeDirectory" not in dict(service["Service"])
    assert one(service, "Service", "LoadCredential") == "state-keys:/etc/hubspot-install/state-keys"
    environment = values(service, "Service", "Environment")
    assert "INSTALL_STATE_KEYS_FILE=%d/state-keys" in environment
    assert "INSTALL_STATE_DIR=%S/hubspot-install" in environment
    sandbox = {"ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
               "PrivateDevices": "yes", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
               "ProtectKernelTunables": "yes", "ProtectControlGroups": "yes", "UMask": "0077"}
    for key, expected in sandbox.items():
        assert one(service, "Service", key) == expected, key
    # The example configuration leaves the key and the state directory to the unit.
    example = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
                   if line and not line.startswith("#"))
    assert not {"INSTALL_STATE_KEYS", "INSTALL_STATE_KEYS_FILE", "INSTALL_STATE_DIR"} & set(example)


def test_the_sandbox_scores_low_in_systemd_analyze_security(tmp_path):
    installed = Installed(tmp_path)
    done = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(installed.service)],
                          capture_output=True, text=True, cwd=tmp_path)
    if "--offline" in done.stderr and done.returncode != 0:
        pytest.skip("this systemd-analyze has no --offline")
    line = next(line for line in done.stdout.splitlines() if "Overall exposure level" in line)
    exposure = float(line.split(":")[1].split()[0])
    assert exposure <= 2.0, line  # systemd calls up to 3.9 "OK"; an unsandboxed service is 9.6


def test_the_example_configuration_checks_out_with_the_key_file(tmp_path):
    installed = Installed(tmp_path)
    done = subprocess.run([str(binary()), "check", "--config", str(installed.config)], capture_output=True,
                          text=True, cwd=tmp_path,
                          env={"PATH": os.environ["PATH"], "INSTALL_STATE_KEYS_FILE": str(installed.key_file),
                               "INSTALL_STATE_DIR": str(tmp_path / "state")})
    assert done.returncode == 0, done.stderr
    assert state_key() not in done.stdout + done.stderr


def test_socket_activation_as_the_units_describe_it(tmp_path, cleanup):
    installed = Installed(tmp_path)
    responder = socket_activate(installed)
    cleanup(responder)
    nginx = Nginx(tmp_path, installed.socket_path)
    cleanup(nginx)
    secrets = check_install_flow(nginx.url, installed.hook, responder.stderr)
    log = responder.stderr()
    assert '"listener":"inherited fd 3 (LISTEN_FDS)"' in log
    # The key came from the credential, the markers went to the state directory.
    assert list((installed.state_root / "hubspot-install").iterdir())
    for secret in secrets | {state_key()}:
        assert secret not in log and secret not in nginx.access_log_text()
    started = time.monotonic()
    assert responder.stop() == 0
    assert time.monotonic() - started < 5
    # The socket belongs to the supervisor: still there for the next start.
    assert stat.S_ISSOCK(os.stat(installed.socket_path).st_mode)


def test_systemctl_reload_as_the_unit_describes_it_keeps_serving(tmp_path, cleanup):
    """`ExecReload=` run as systemd would (with $MAINPID), on the socket systemd passed: new workers
    take over the inherited socket and the old ones leave it to them, still open."""
    installed = Installed(tmp_path)
    responder = socket_activate(installed)
    cleanup(responder)
    nginx = Nginx(tmp_path, installed.socket_path)
    cleanup(nginx)
    assert front_get(nginx.url, "/healthz").status_code == 200
    command = one(unit_file(installed.service), "Service", "ExecReload").replace(
        "$MAINPID", str(responder.process.pid))
    subprocess.run(shlex.split(command), check=True, timeout=10)
    wait_for(lambda: any(line.get("event") == "reloaded" for line in json_log_lines(responder.stderr())),
             timeout=15, what="the reload")
    wait_for(lambda: sum(1 for line in json_log_lines(responder.stderr()) if line.get("event") == "worker_exited")
             == 2, timeout=15, what="the old workers to finish")
    check_install_flow(nginx.url, installed.hook, responder.stderr)
    assert responder.stop() == 0
    assert stat.S_ISSOCK(os.stat(installed.socket_path).st_mode)


def test_inetd_style_with_the_listening_socket_on_fd_0(tmp_path, cleanup):
    """`--inetd` without `--accept` is systemd's StandardInput=socket with Accept=no: the
    listening socket on fd 0, which is served like spawn-fcgi's."""
    installed = Installed(tmp_path)
    responder = socket_activate(installed, extra=["--inetd"])
    cleanup(responder)
    nginx = Nginx(tmp_path, installed.socket_path)
    cleanup(nginx)
    check_install_flow(nginx.url, installed.hook, responder.stderr)
    assert '"listener":"inherited fd 0"' in responder.stderr()
    assert responder.stop() == 0


@pytest.mark.parametrize("style", [["--accept", "--inetd"], ["--accept"]])
def test_a_process_per_connection_is_refused_with_the_reason(tmp_path, cleanup, style):
    """inetd's per-connection style (systemd Accept=yes) hands over one accepted connection, which
    libfcgi cannot serve: the program says so and exits 1, the web server answers 502, nothing
    hangs."""
    installed = Installed(tmp_path)
    responder = socket_activate(installed, extra=style)
    cleanup(responder)
    nginx = Nginx(tmp_path, installed.socket_path)
    cleanup(nginx)
    started = time.monotonic()
    assert front_get(nginx.url, "/healthz").status_code == 502
    assert time.monotonic() - started < 5
    expected = ("fd 0 is one accepted connection, not a listening socket" if "--inetd" in style
                else "LISTEN_FDS is set but fd 3 is not a listening stream socket")
    log = wait_for(lambda: "died with code" in responder.stderr() and responder.stderr(), what="the child's exit")
    assert expected in log
    assert "died with code 1" in log
    assert installed.hook.started_count() == 0


def test_spawn_fcgi_serves_the_install_flow(tmp_path, cleanup):
    hook = Hook(tmp_path / "hook")
    config = write_config(tmp_path / "hubspot-install.env", settings(tmp_path, hook))
    path = tmp_path / "spawned.sock"
    responder = Responder(tmp_path, config, listen=[], socket_path=path,
                          launch=lambda program, serve: ["spawn-fcgi", "-n", "-s", str(path), "-M", "0660", "--",
                                                         program, *serve])
    cleanup(responder)
    nginx = Nginx(tmp_path, path)
    cleanup(nginx)
    secrets = check_install_flow(nginx.url, hook, responder.stderr)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
    assert '"listener":"inherited fd 0"' in responder.stderr()
    assert all(secret not in responder.stderr() + nginx.access_log_text() for secret in secrets)
    assert json_log_lines(responder.stderr())[-1]["route"] == "callback"
    assert responder.stop() == 0


def test_a_restart_behind_the_supervisors_socket_loses_no_request(tmp_path):
    """What the units rely on for restarts and key rotation: the socket belongs to the supervisor,
    so while the service restarts a request waits in its queue and is answered by the next process.
    Played here with the socket held by the test and passed as fd 0."""
    hook = Hook(tmp_path / "hook")
    config = write_config(tmp_path / "hubspot-install.env", settings(tmp_path, hook))
    path = tmp_path / "held.sock"
    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    held.bind(str(path))
    held.listen(64)
    processes = []

    def start():
        log = tmp_path / f"responder{len(processes)}.stderr"
        with open(log, "wb") as stderr:
            process = subprocess.Popen([str(binary()), "serve", "--threads", "2", "--config", str(config)],
                                       stdin=held.fileno(), stdout=subprocess.DEVNULL, stderr=stderr, cwd=tmp_path)
        processes.append(process)
        wait_for(lambda: '"started"' in log.read_text(), what="the responder")
        return process

    def healthz():
        return parse_cgi_output(fastcgi_request(path, [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/healthz")],
                                                timeout=15))[0]

    try:
        first = start()
        assert healthz() == 200
        first.send_signal(signal.SIGTERM)
        assert first.wait(10) == 0
        answered = {}
        waiting = threading.Thread(target=lambda: answered.update(status=healthz()))
        waiting.start()
        time.sleep(0.5)  # nobody accepts now: the request sits in the socket's queue
        assert not answered
        start()
        waiting.join(15)
        assert answered == {"status": 200}
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(10)
        held.close()
