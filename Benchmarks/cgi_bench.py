"""Runs CGI programs many times each, interleaved, and reports the CPU time (user + sys, from
wait4's rusage of each child) per run: see Benchmarks/cgi.sh."""
import os
import sys


def run_once(argv, env, devnull):
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status, usage = os.wait4(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise SystemExit(f"{argv[0]} failed: status {status}")
    return usage.ru_utime + usage.ru_stime


def main():
    iterations = int(sys.argv[1])
    cases = []  # (name, argv, env)
    base = dict(os.environ)
    for spec in sys.argv[2:]:
        name, program, uri = spec.split("|", 2)
        env = dict(base)
        if uri:
            path, _, query = uri.partition("?")
            env.update({"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": uri,
                        "SCRIPT_NAME": path, "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
                        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1"})
        cases.append((name, [program], env))
    devnull = os.open("/dev/null", os.O_RDWR)
    totals = {name: [] for name, _, _ in cases}
    for name, argv, env in cases:  # warm the page cache
        for _ in range(5):
            run_once(argv, env, devnull)
    for _ in range(iterations):
        for name, argv, env in cases:
            totals[name].append(run_once(argv, env, devnull))
    reference = cases[0][0]
    ref = sorted(totals[reference])[len(totals[reference]) // 2]
    print(f"{'program':<40} {'runs':>6} {'mean ms':>9} {'median ms':>10} {'ratio':>7}")
    for name, _, _ in cases:
        times = sorted(totals[name])
        mean = sum(times) / len(times)
        median = times[len(times) // 2]
        print(f"{name:<40} {len(times):>6} {mean * 1000:>9.2f} {median * 1000:>10.2f} "
              f"{(median / ref if ref else float('nan')):>6.1f}x")
    print(f"ratio: median CPU time per run against {reference}; target for the responder <= 4x")


main()
