"""Hooks that hang cannot take every thread (INSTALL_HOOK_CONCURRENCY, default half the threads):
through the nginx site users copy, with every hook slot held by a hanging hook, the pages and
/healthz answer as usual, and one more callback gets the busy page without using up its state, so
the same link works once a slot is free."""
import re
import threading
import time

from harness import Stack, wait_for

NORMAL = 2.0  # seconds: far above what a page takes here, far below a hanging hook


def test_hanging_hooks_leave_pages_answering_and_a_busy_link_usable(tmp_path):
    # Four threads, no INSTALL_HOOK_CONCURRENCY: two hook slots. Each hook hangs for 8 s.
    stack = Stack(tmp_path, hook_options={"sleep": 8}, threads=4, INSTALL_TOKEN_HOOK_TIMEOUT="20")
    try:
        links = [stack.authorize()[1:] for _ in range(3)]
        answers = {}

        def finish(index):
            state, cookie = links[index]
            answers[index] = stack.callback(state, cookie)

        hanging = [threading.Thread(target=finish, args=(i,)) for i in range(2)]
        for thread in hanging:
            thread.start()
        wait_for(lambda: stack.hook.started_count() == 2, timeout=15, what="two hooks running")

        # Every slot is held: pages, authorize and /healthz answer within normal latency.
        for _ in range(5):
            for path, status in [("/", 200), ("/oauth/authorize", 302), ("/healthz", 200), ("/installed", 200)]:
                started = time.monotonic()
                response = stack.get(path, timeout=10)
                took = time.monotonic() - started
                assert response.status_code == status, (path, response.status_code)
                assert took < NORMAL, f"{path} took {took:.2f} s while hooks were running"

        # One more callback: busy at once, no hook started, the state not used up.
        state, cookie = links[2]
        code = stack.new_code()
        started = time.monotonic()
        busy = stack.callback(state, cookie, code=code)
        assert time.monotonic() - started < NORMAL
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "5"
        assert busy.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in busy.headers
        assert "<h1>Too many installs at once</h1>" in busy.text
        assert stack.hook.started_count() == 2

        # The hanging hooks finish (new runs are quick); both installs completed.
        stack.hook.configure()
        for thread in hanging:
            thread.join(30)
        assert [answers[i].status_code for i in range(2)] == [303, 303]

        # The same link as before: now it runs the hook, once, and succeeds.
        done = stack.callback(state, cookie, code=code)
        assert done.status_code == 303 and done.headers["Location"] == "/installed"
        runs = stack.hook.runs()
        assert len(runs) == 3
        assert sum(code.encode() in run["stdin"] for run in runs) == 1
        assert stack.callback(state, cookie, code=code).status_code == 400  # now it is used

        reasons = [line["reason"] for line in stack.responder.access_lines(at_least=25)
                   if line.get("route") == "callback"]
        assert sorted(reasons) == sorted(["ok", "ok", "hook_busy", "ok", "state_replayed"])
        stack.assert_nothing_leaked()
    finally:
        stack.stop()


def test_hook_concurrency_is_validated_at_start(tmp_path):
    import subprocess
    from harness import Hook, binary, settings, write_config
    hook = Hook(tmp_path / "hook")
    for value in ["0", "many", "1025"]:
        config = write_config(tmp_path / "bad.env", settings(tmp_path, hook, INSTALL_HOOK_CONCURRENCY=value))
        done = subprocess.run([str(binary()), "serve", "--socket", str(tmp_path / "s.sock"), "--config", str(config)],
                              capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        assert done.returncode == 1, done.stderr
        assert re.search(r"^error: INSTALL_HOOK_CONCURRENCY: must be a whole number of hooks from 1 to 1024$",
                         done.stderr, re.M), done.stderr
        assert not (tmp_path / "s.sock").exists()
    # As many slots as threads leaves nothing for pages: a warning at start.
    config = write_config(tmp_path / "warn.env", settings(tmp_path, hook, INSTALL_HOOK_CONCURRENCY="4"))
    check = subprocess.Popen([str(binary()), "serve", "--socket", str(tmp_path / "w.sock"), "--threads", "4",
                              "--config", str(config)], stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        wait_for(lambda: (tmp_path / "w.sock").exists(), timeout=15, what="the socket")
    finally:
        check.terminate()
        _, stderr = check.communicate(timeout=20)
    assert "warning: INSTALL_HOOK_CONCURRENCY: 4 is not fewer than the 4 threads" in stderr
