"""The same binary started as a plain CGI program: the request in the environment, stdin
/dev/null (or a body), one answer on stdout, one log line on stderr, exit."""
import json
import os
import re
import subprocess

import pytest

from harness import APP_NAME, Hook, binary, parse_cgi_output, run_cgi, settings, write_config


@pytest.fixture
def cgi(tmp_path):
    """run(method, uri, **extra env) with the configuration in the environment, as a web server's
    SetEnv would give it (a CGI program gets no arguments)."""
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook, HUBSPOT_REDIRECT_URI="http://localhost:8080/oauth/callback")

    def run(method, uri, stdin=b"", args=(), **env):
        path, _, query = uri.partition("?")
        request = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": path, "QUERY_STRING": query}
        request.update(env)
        done = run_cgi({**values, **request}, stdin=stdin, args=args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        status, headers, body = parse_cgi_output(done.stdout)
        log = [json.loads(line) for line in done.stderr.decode().splitlines() if line.strip()]
        return status, headers, body, log

    run.hook = hook
    run.values = values
    return run


def header(headers, name):
    found = [value for key, value in headers if key.lower() == name.lower()]
    assert len(found) == 1, (name, headers)
    return found[0]


def test_landing_page_as_cgi(cgi):
    status, headers, body, log = cgi("GET", "/")
    assert status == 200
    assert header(headers, "Content-Type").startswith("text/html")
    assert header(headers, "X-Content-Type-Options") == "nosniff"
    assert int(header(headers, "Content-Length")) == len(body)
    assert APP_NAME.encode() in body
    assert [(line["route"], line["status"], line["reason"]) for line in log] == [("landing", 200, "ok")]


def test_healthz_and_head_as_cgi(cgi):
    status, _, body, _ = cgi("GET", "/healthz")
    assert (status, body) == (200, b"ok\n")
    status, headers, body, _ = cgi("HEAD", "/")
    assert status == 200 and body == b"" and int(header(headers, "Content-Length")) > 0


def test_a_body_is_read_and_ignored(cgi):
    status, _, _, _ = cgi("POST", "/oauth/callback", stdin=b"a=1" * 100, CONTENT_LENGTH="300",
                          CONTENT_TYPE="application/x-www-form-urlencoded")
    assert status == 405


def test_query_words_passed_as_arguments_are_not_commands(cgi):
    # A CGI server turns a query without "=" into arguments (RFC 3875 §4.4): `/?check` must not run
    # `check`, `/?--help` must not print help; both are just the landing page.
    for word in ["check", "--help", "keygen"]:
        status, _, body, _ = cgi("GET", f"/?{word}", args=(word,))
        assert status == 200 and APP_NAME.encode() in body, word


def test_a_wrappers_arguments_are_ignored_and_its_configuration_comes_from_the_environment(cgi, tmp_path):
    # A CGI program reads no argument at all: a wrapper's `serve --config FILE --threads 4` is
    # ignored like a visitor's words would be; HUBSPOT_INSTALL_CONFIG names the file instead.
    config = write_config(tmp_path / "wrapper.env", {**cgi.values, "INSTALL_APP_NAME": "From The File"})
    request = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/?x", "SCRIPT_NAME": "/", "QUERY_STRING": "x",
               "HUBSPOT_INSTALL_CONFIG": str(config)}
    done = run_cgi(request, args=("serve", "--config", "/nonexistent", "--threads", "4"), cwd=tmp_path)
    status, _, body = parse_cgi_output(done.stdout)
    assert status == 200 and b"From The File" in body, done.stderr
    status, _, body, _ = cgi("GET", "/?4", args=("serve", "--threads", "4", "4"))
    assert status == 200 and APP_NAME.encode() in body


def test_full_install_as_cgi(cgi):
    status, headers, _, _ = cgi("GET", "/oauth/authorize", HTTP_HOST="localhost:8080")
    assert status == 302
    state = re.search(r"[?&]state=([^&]*)$", header(headers, "Location")).group(1)
    cookie = header(headers, "Set-Cookie").split(";", 1)[0]
    assert cookie.startswith("hubspot-install=")
    assert "Secure" not in header(headers, "Set-Cookie")

    code = "na1-cgi-test-code"
    status, headers, body, log = cgi("GET", f"/oauth/callback?code={code}&state={state}", HTTP_COOKIE=cookie,
                                     HTTP_USER_AGENT="test-browser", HTTP_PROXY="http://evil.example")
    assert status == 303, body
    assert header(headers, "Location") == "/installed"
    runs = cgi.hook.runs()
    assert len(runs) == 1
    assert json.loads(runs[0]["stdin"])["code"] == code
    # The request's variables stay out of the hook's environment in CGI mode too.
    assert set(runs[0]["env"]) <= {"PATH", "LANG"}
    assert [(line["route"], line["reason"]) for line in log] == [("callback", "ok")]
    assert code not in json.dumps(log) and state not in json.dumps(log)

    # A second process, the same state: the marker in INSTALL_STATE_DIR refuses it.
    status, _, _, log = cgi("GET", f"/oauth/callback?code={code}&state={state}", HTTP_COOKIE=cookie)
    assert status == 400 and log[0]["reason"] == "state_replayed"
    assert len(cgi.hook.runs()) == 1


def test_a_bad_configuration_refuses_to_answer(tmp_path):
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook, HUBSPOT_CLIENT_ID=None, INSTALL_STATE_KEYS="short")
    done = run_cgi({**values, "REQUEST_METHOD": "GET", "REQUEST_URI": "/"}, cwd=tmp_path)
    assert done.returncode != 0
    assert done.stdout == b""
    errors = done.stderr.decode()
    assert "HUBSPOT_CLIENT_ID" in errors and "INSTALL_STATE_KEYS" in errors
    assert "short" not in errors


def test_a_request_whose_answer_nobody_reads_is_still_logged(tmp_path):
    """The web server closed the pipe the answer goes to (the visitor left, its timeout): the
    program is not killed by SIGPIPE and the request's log line still reaches the error log."""
    values = settings(tmp_path, Hook(tmp_path / "hook"))
    request = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/", "SCRIPT_NAME": "/", "QUERY_STRING": ""}
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "localhost", "SERVER_PORT": "80",
            "REMOTE_ADDR": "127.0.0.1", **values, **request}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([str(binary())], env=base, stdin=subprocess.DEVNULL, stdout=write_end,
                              stderr=subprocess.PIPE, cwd=tmp_path, timeout=20)
    finally:
        os.close(write_end)
    assert done.returncode == 0, (done.returncode, done.stderr.decode(errors="replace"))
    log = [json.loads(line) for line in done.stderr.decode().splitlines() if line.strip()]
    assert [(line["route"], line["status"]) for line in log] == [("landing", 200)]
