"""The command line a person types: check, keygen, --help, and the errors of serve."""
import re
import subprocess

from harness import CLIENT_ID, Hook, binary, settings, write_config


def run(*args, env=None, cwd=None):
    return subprocess.run([str(binary()), *args], capture_output=True, text=True, env=env or {"PATH": "/usr/bin:/bin"},
                          cwd=cwd, timeout=20)


def test_keygen_prints_a_fresh_32_byte_base64url_key():
    first, second = run("keygen"), run("keygen")
    assert first.returncode == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", first.stdout)
    assert first.stdout != second.stdout


def test_check_summarises_a_good_configuration_without_secrets(tmp_path):
    values = settings(tmp_path, Hook(tmp_path / "hook"))
    done = run("check", "--config", str(write_config(tmp_path / "env", values)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"client_id={CLIENT_ID}" in done.stdout and "state=" in done.stdout
    assert "automation" in done.stdout and "Workflows" in done.stdout
    assert values["INSTALL_STATE_KEYS"] not in done.stdout + done.stderr
    assert not (tmp_path / "state").exists()  # check changes nothing


def test_check_and_serve_report_every_problem_and_refuse(tmp_path):
    values = settings(tmp_path, Hook(tmp_path / "hook"), HUBSPOT_CLIENT_ID=None,
                      HUBSPOT_REDIRECT_URI="http://192.0.2.1/cb", INSTALL_STATE_KEYS="c2hvcnQ",
                      INSTALL_TOKEN_HOOK="exec:relative/hook")
    config = str(write_config(tmp_path / "env", values))
    for command in (["check"], ["serve", "--socket", str(tmp_path / "s.sock")]):
        done = run(*command, "--config", config, cwd=tmp_path)
        assert done.returncode == 1, command
        assert done.stdout == ""
        for key in ["HUBSPOT_CLIENT_ID", "HUBSPOT_REDIRECT_URI", "INSTALL_STATE_KEYS", "INSTALL_TOKEN_HOOK"]:
            assert re.search(rf"^error: {key}: ", done.stderr, re.M), (command, key, done.stderr)
        assert "c2hvcnQ" not in done.stderr
        assert not (tmp_path / "s.sock").exists()


def test_serve_explains_what_it_cannot_do(tmp_path):
    config = str(write_config(tmp_path / "env", settings(tmp_path, Hook(tmp_path / "hook"))))
    both = run("serve", "--socket", "/tmp/x", "--listen", "9000", "--config", config)
    assert both.returncode != 0 and "--socket and --listen" in both.stderr
    nothing = run("serve", "--config", config, cwd=tmp_path)
    assert nothing.returncode != 0 and "no socket to serve" in nothing.stderr
    missing_dir = run("serve", "--socket", str(tmp_path / "no" / "such" / "dir.sock"), "--config", config, cwd=tmp_path)
    assert missing_dir.returncode != 0 and "does its directory exist?" in missing_dir.stderr
    webhook = run("serve", "--listen", "9000", "--config", config, cwd=tmp_path,
                  env={"PATH": "/usr/bin:/bin", "INSTALL_TOKEN_HOOK": "webhook:https://hooks.example.com/x"})
    assert webhook.returncode == 1 and "INSTALL_WEBHOOK_KEY: is required" in webhook.stderr


def test_help_on_every_command():
    for command in ([], ["serve"], ["check"], ["keygen"]):
        done = run(*command, "--help")
        assert done.returncode == 0 and "USAGE: hubspot-install" in done.stdout, command
