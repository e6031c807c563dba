"""The table of Benchmarks/http.sh: reads wrk's `--latency` output of each row and the samples the
script took around it, prints one table, the ratios of our rows to the C hello, the verdict on each
target (Benchmarks/README.md), and the in-process figures of `install-bench state`.

wrk counts as "Non-2xx or 3xx responses" only statuses above 399 (wrk.c: `if (status > 399)
thread->errors.status++`), so the 302 of /oauth/authorize is not an error; every row's status was
checked by the script before the load. Socket errors (connect, read, write, timeout) count too.
"""
import argparse
import csv
import re
import sys

C_ROW = "C hello"
TARGETS = {  # row: minimum requests/s as a share of the C hello's with as many threads in all
    "ours /oauth/authorize": 0.95,
    "ours /": 1.0,
}
P99_LIMIT = 1.5  # p99 at most this many times the C hello's
RSS_LIMIT_KIB_PER_WORKER = 8 * 1024  # RSS under load of the master and the workers added up, per worker

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def milliseconds(text):
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unrecognised duration {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(text):
    """Requests/s, p50 and p99 in ms, requests, status errors and socket errors of one wrk run."""
    def find(pattern):
        match = re.search(pattern, text, re.M)
        if not match:
            raise ValueError(f"wrk output lacks {pattern!r}:\n{text}")
        return match
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": float(find(r"^Requests/sec:\s+([0-9.]+)").group(1)),
        "p50": milliseconds(find(r"^\s+50%\s+(\S+)").group(1)),
        "p99": milliseconds(find(r"^\s+99%\s+(\S+)").group(1)),
        "requests": int(find(r"^\s+(\d+) requests in").group(1)),
        "status_errors": int(status.group(1)) if status else 0,
        "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0,
    }


def format_ms(value):
    return f"{value * 1000:.0f} us" if value < 1 else f"{value:.2f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--header", required=True)
    parser.add_argument("--rows", required=True)
    parser.add_argument("--in-process", required=True)
    parser.add_argument("--clock-ticks", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    arguments = parser.parse_args()

    runs = {}  # name -> list of measurements, in row order of first appearance
    with open(arguments.rows) as file:
        for record in csv.DictReader(file, delimiter="\t"):
            with open(record["wrk_output"]) as output:
                measured = parse_wrk(output.read())
            measured["peak_kib"] = int(record["peak_kib"])
            measured["rss_kib"] = int(record.get("rss_kib") or 0)
            measured["pss_kib"] = int(record.get("pss_kib") or 0)
            measured["cpu_s"] = int(record["cpu_ticks"]) / arguments.clock_ticks
            measured["load"] = (float(record["load_before"]), float(record["load_after"]))
            runs.setdefault(record["name"], []).append(measured)

    rounds = max(len(r) for r in runs.values())
    rows = {}
    for name, measured in runs.items():
        # Several rounds: the round with the median requests/s stands for the row; errors add up
        # and the peak RSS is the largest seen.
        chosen = dict(sorted(measured, key=lambda m: m["rps"])[(len(measured) - 1) // 2])
        chosen["status_errors"] = sum(m["status_errors"] for m in measured)
        chosen["socket_errors"] = sum(m["socket_errors"] for m in measured)
        chosen["peak_kib"] = max(m["peak_kib"] for m in measured)
        chosen["rss_kib"] = max(m["rss_kib"] for m in measured)
        chosen["pss_kib"] = max(m["pss_kib"] for m in measured)
        chosen["all_rps"] = [m["rps"] for m in measured]
        rows[name] = chosen
    reference = rows.get(C_ROW)

    with open(arguments.header) as file:
        print(file.read().rstrip())
    print()
    columns = ["row", "req/s", "p50", "p99", "errors", "peak RSS", "RSS load", "PSS", "CPU/req", "req/s vs C", "p99 vs C",
               "load 1m"]
    table = []
    for name, row in rows.items():
        errors = row["status_errors"] + row["socket_errors"]
        error_text = str(errors) if errors == 0 else f"{row['status_errors']} status + {row['socket_errors']} socket"
        sampled = name != "static file (nginx)"
        cpu = f"{row['cpu_s'] * 1e6 / row['requests']:.0f} us" if sampled and row["requests"] else "-"
        ours = name.startswith("ours")
        table.append([
            name,
            f"{row['rps']:.0f}",
            format_ms(row["p50"]),
            format_ms(row["p99"]),
            error_text,
            f"{row['peak_kib'] / 1024:.1f} MiB" if sampled else "-",
            f"{row['rss_kib'] / 1024:.1f} MiB" if sampled else "-",
            f"{row['pss_kib'] / 1024:.1f} MiB" if sampled else "-",
            cpu,
            f"{row['rps'] / reference['rps']:.2f}x" if ours and reference else "",
            f"{row['p99'] / reference['p99']:.2f}x" if ours and reference else "",
            f"{row['load'][0]:.2f}>{row['load'][1]:.2f}",
        ])
    widths = [max(len(columns[i]), *(len(line[i]) for line in table)) for i in range(len(columns))]
    def show(cells):
        return "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    print(show(columns))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in table:
        print(show(line))
    if rounds > 1:
        print(f"\nmedian of {rounds} rounds by req/s; every round's req/s:")
        for name, row in rows.items():
            print(f"  {name}: " + ", ".join(f"{v:.0f}" for v in row["all_rps"]))
    print("peak RSS: the responder's VmHWM after the row (a peak since it started, start-up included; ours: master"
          " and workers added up, shared libraries counted in each); RSS load: the same processes' resident set"
          " under load (summed every 0.25 s while the row ran, the largest sum);"
          " PSS: the same processes' proportional set size after the"
          " row (shared pages shared out); CPU/req: the responder's user+system time over the row / requests;"
          " load 1m: /proc/loadavg before>after the row")

    print("\ntargets:")
    if reference is None:
        print("  no C hello row: no ratios")
    else:
        verdicts = []
        for name, minimum in TARGETS.items():
            if name in rows:
                ratio = rows[name]["rps"] / reference["rps"]
                verdicts.append((f"{name} req/s >= {minimum}x C hello", ratio >= minimum, f"{ratio:.2f}x"))
        for name, row in rows.items():
            if name.startswith("ours"):
                ratio = row["p99"] / reference["p99"]
                verdicts.append((f"{name} p99 <= {P99_LIMIT:g}x C hello", ratio <= P99_LIMIT, f"{ratio:.2f}x"))
        total_errors = sum(r["status_errors"] + r["socket_errors"] for r in rows.values())
        verdicts.append(("zero errors", total_errors == 0, str(total_errors)))
        peak = max((r["peak_kib"] for n, r in rows.items() if n.startswith("ours")), default=0)
        rss = max((r["rss_kib"] for n, r in rows.items() if n.startswith("ours")), default=0)
        pss = max((r["pss_kib"] for n, r in rows.items() if n.startswith("ours")), default=0)
        workers = max(arguments.workers, 1)
        verdicts.append((
            f"our RSS under load (master + {workers} workers, added up) <= 8 MiB per worker",
            0 < rss <= RSS_LIMIT_KIB_PER_WORKER * workers,
            f"{rss / 1024:.1f} MiB = {rss / 1024 / workers:.1f} MiB per worker"
            f" (peak since start, start-up included: {peak / 1024:.1f} MiB = {peak / 1024 / workers:.1f} MiB per"
            f" worker; PSS {pss / 1024:.1f} MiB = {pss / 1024 / workers:.1f} MiB per worker)"))
        for what, met, value in verdicts:
            print(f"  {'met   ' if met else 'MISSED'} {what}: {value}")

    print("\nin process (install-bench state, best of 5 passes, no sockets):")
    with open(arguments.in_process) as file:
        for line in file:
            if line.strip():
                print("  " + line.rstrip())


if __name__ == "__main__":
    sys.exit(main())
