"""Rotating the state key, as the procedure in docs/deployment.md says: put the new key first, keep the old one
after it, restart. States minted before the restart still complete; new ones are signed with the
new key; once the old key is dropped, its states are refused (`state_unknown_key`), and one-time
markers outlive every restart. Through the nginx site, the responder restarted on the same socket."""
import json
import subprocess

from harness import (Hook, Nginx, Responder, binary, front_authorize, front_callback, json_log_lines, settings,
                     state_fields, state_key_id, write_config)


def keygen() -> str:
    return subprocess.run([str(binary()), "keygen"], check=True, capture_output=True, text=True).stdout.strip()


def test_a_new_key_first_keeps_old_states_valid_until_the_old_key_is_dropped(tmp_path):
    old, new = keygen(), keygen()
    hook = Hook(tmp_path / "hook")
    socket_path = tmp_path / "hubspot-install.sock"
    key_file = tmp_path / "state-keys"
    running = []

    def restart(**keys):
        """Stops the running responder (SIGTERM, exit 0) and starts one with these keys; the state
        directory (tmp_path/state) is the same for all."""
        if running:
            assert running.pop().stop() == 0
        run = tmp_path / f"run{len(list(tmp_path.glob('run*')))}"
        run.mkdir()
        values = settings(tmp_path, hook, **{"INSTALL_STATE_KEYS": None, **keys})
        responder = Responder(run, write_config(run / "hubspot-install.env", values), socket_path=socket_path)
        running.append(responder)
        return responder

    def reasons(responder):
        # Sorted: a line is logged just after its response has gone, so the next request, answered
        # by another thread, can log first.
        return sorted(line["reason"] for line in json_log_lines(responder.stderr()) if line.get("route") == "callback")

    first = restart(INSTALL_STATE_KEYS=old)
    try:
        nginx = Nginx(tmp_path, socket_path)
    except BaseException:
        first.stop()
        raise
    try:
        url = nginx.url
        _, used, cookie = front_authorize(url)
        _, pending, cookie = front_authorize(url, cookie=cookie)
        _, kept, cookie = front_authorize(url, cookie=cookie)
        assert {state_fields(s)["key_id"] for s in (used, pending, kept)} == {state_key_id(old)}
        response, used_code = front_callback(url, used, cookie)
        assert response.status_code == 303 and len(hook.runs()) == 1

        # The rotation: the new key first, the old one after it (a file, one key per line, as the
        # systemd credential holds them), restart.
        key_file.write_text(f"{new}\n{old}\n")
        second = restart(INSTALL_STATE_KEYS_FILE=str(key_file))
        response, code = front_callback(url, pending, cookie)
        assert response.status_code == 303, response.text
        assert len(hook.runs()) == 2
        assert code in [json.loads(run["stdin"])["code"] for run in hook.runs()]
        # A link used before the restart stays used after it: the markers are on disk.
        assert front_callback(url, used, cookie, code=used_code)[0].status_code == 400
        _, fresh, cookie = front_authorize(url, cookie=cookie)
        assert state_fields(fresh)["key_id"] == state_key_id(new)
        assert reasons(second) == ["ok", "state_replayed"]

        # Once the old states have expired, the old key goes.
        key_file.write_text(f"{new}\n")
        third = restart(INSTALL_STATE_KEYS_FILE=str(key_file))
        refused = front_callback(url, kept, cookie)[0]
        assert refused.status_code == 400
        assert front_callback(url, fresh, cookie)[0].status_code == 303
        assert len(hook.runs()) == 3
        assert reasons(third) == ["ok", "state_unknown_key"]
        for log in (first.stderr(), second.stderr(), third.stderr()):
            assert old not in log and new not in log and kept not in log
    finally:
        nginx.stop()
        for responder in running:
            responder.stop()
