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


def test_help_names_the_subcommands_and_options_without_the_internal_flag():
    top = run("--help").stdout
    for word in ["serve (default)", "check", "keygen", "tokens"]:
        assert f"\n  {word} " in top
    serve = run("help", "serve").stdout
    assert serve == run("serve", "-h").stdout
    for option in ["--socket <path>", "--listen <address:port>", "--workers <workers>", "--threads <threads>",
                   "--config <file>"]:
        assert option in serve
    assert "--worker " not in serve and "--worker]" not in serve


# Each bad command line: exit 64, nothing on stdout, the message naming what is wrong, then the usage
# line of the subcommand and where to read more.
BAD_LINES = [
    (["bogus"], "Error: Unexpected argument 'bogus'", "serve"),
    (["--version"], "Error: Unknown option '--version'", "serve"),
    (["serve", "--bogus=1"], "Error: Unknown option '--bogus'", "serve"),
    (["serve", "--threads"], "Error: Missing value for '--threads <threads>'", "serve"),
    (["serve", "--socket", "--listen", "9000"], "Error: Missing value for '--socket <path>'", "serve"),
    (["serve", "--threads", "0"], "Error: The value '0' is invalid for '--threads <threads>': expected a whole number "
     "from 1 to 1024", "serve"),
    (["serve", "--threads", "9" * 40], f"Error: The value '{'9' * 40}' is invalid for '--threads <threads>'", "serve"),
    (["serve", "--workers", "-1"], "Error: The value '-1' is invalid for '--workers <workers>': expected a whole "
     "number from 1 to 64", "serve"),
    (["serve", "--workers", "+2"], "Error: The value '+2' is invalid for '--workers <workers>'", "serve"),
    (["serve", "--workers", " 2"], "Error: The value ' 2' is invalid for '--workers <workers>'", "serve"),
    (["serve", "--threads", "4", "--threads", "4"], "Error: Option '--threads' is given more than once", "serve"),
    (["serve", "--worker"], "Error: --worker is for the processes serve starts itself", "serve"),
    (["serve", "extra\x1b[2J"], "Error: Unexpected argument 'extra?[2J'", "serve"),
    (["keygen", "extra"], "Error: Unexpected argument 'extra'", "keygen"),
    (["check", "--config"], "Error: Missing value for '--config <file>'", "check"),
    (["check", "--socket", "x"], "Error: Unknown option '--socket'", "check"),
    (["help", "bogus"], "Error: Unknown subcommand 'bogus'; the subcommands are serve, check, keygen, tokens", None),
]


def test_a_bad_command_line_is_refused_with_the_argument_named_and_the_usage():
    for arguments, message, subcommand in BAD_LINES:
        done = run(*arguments)
        assert done.returncode == 64, (arguments, done.returncode, done.stderr)
        assert done.stdout == "", arguments
        lines = done.stderr.splitlines()
        assert lines[0].startswith(message), (arguments, done.stderr)
        usage = f"Usage: hubspot-install {subcommand}" if subcommand else "Usage: hubspot-install <subcommand>"
        assert lines[1].startswith(usage), (arguments, done.stderr)
        help_command = f"hubspot-install {subcommand} --help" if subcommand else "hubspot-install --help"
        assert lines[2] == f"  See '{help_command}' for more information."
        assert len(lines) == 3, (arguments, done.stderr)


def test_the_responder_links_no_foundation_and_no_argument_parser():
    """The responder's command line is read by hand (Sources/ResponderCommandLine): neither
    swift-argument-parser nor the Foundation it brings is in the executable every worker maps."""
    image = binary().read_bytes()
    assert b"FoundationEssentials" not in image
    assert b"ArgumentParser" not in image


def test_serve_with_nothing_to_serve_on_starts_nothing(tmp_path):
    """No --socket, no --listen and no inherited socket is a usage error found before the token
    program's check runs (it would create the token database); values typed on the command line
    come back in errors without their control characters."""
    values = settings(tmp_path, Hook(tmp_path / "hook"), INSTALL_TOKEN_HOOK="hubspot",
                      HUBSPOT_CLIENT_SECRET="client-secret-value")
    config = str(write_config(tmp_path / "env", values))
    nothing = subprocess.run([str(binary()), "serve", "--config", config], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=20)
    assert nothing.returncode == 64 and "no socket to serve" in nothing.stderr, nothing.stderr
    assert not (tmp_path / "state").exists()
    for option, value in [("--listen", "1.2.3.4:\x1b[31m"), ("--socket", str(tmp_path / "no\x1b[2J" / "s\nx.sock")),
                          ("--config", str(tmp_path / "no\x1b]0;title\x07"))]:
        command = ["check", option, value] if option == "--config" else ["serve", option, value, "--config", config]
        done = run(*command, cwd=tmp_path)
        assert done.returncode != 0 and "\x1b" not in done.stderr and "\x07" not in done.stderr, (option, done.stderr)
        assert "?" in done.stderr, (option, done.stderr)
