"""Runs the push benchmark that bench/push.sh sets up (standard library only).

Starts `ccfgen emulate` as a separate process, then pushes the same records, in rounds, with:
  - `ccfgen push` on the NDJSON file, on the JSON array file, and with `--gzip-level 6`;
  - Microsoft's Python SDK (bench/sdk_upload.py) the way its users write it: `json.load` the
    JSON array file and one `upload(logs=records)` call; and, unless --sdk-chunk is 0, the
    NDJSON file read line by line with one `upload()` per --sdk-chunk records.
Each round runs every variant once, in a rotated order (interleaved runs). Then ccfgen's peak RSS
for a small and a large input streamed from `ccfgen sample`, also once per round.

What is measured, and how:
  - client CPU seconds (user+sys) and peak RSS of the client process alone: each client runs
    under GNU time (`/usr/bin/time -f`), a small parent, so the figures are the client's own (a
    child's ru_maxrss under this Python process would include this process's RSS at fork time);
  - emulator CPU seconds during each client run: utime+stime of the emulator process from
    /proc/<pid>/stat, read before and after the run;
  - requests, wire and inflated bytes: the emulator's counters; every run's rows are checked to
    be all there.
Figures are printed as the median and [min-max] over the rounds. Wall time is printed for
information only: on a shared machine it depends on whatever else runs.
"""

import argparse
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--ccfgen", required=True)
    p.add_argument("--python", required=True, help="python of the SDK's venv")
    p.add_argument("--time", default="/usr/bin/time", help="GNU time")
    p.add_argument("--spec", required=True)
    p.add_argument("--ndjson", required=True, help="the records as NDJSON")
    p.add_argument("--array", required=True, help="the same records as a JSON array")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--memory-counts", default="10000,10000000")
    p.add_argument("--sdk-chunk", type=int, default=10000)
    return p.parse_args()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Emulator:
    """A `ccfgen emulate` child process and its control API."""

    def __init__(self, ccfgen, spec, work):
        self.dir = os.path.join(work, "emulator")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.config = os.path.join(self.dir, "connector_config.json")
        self.ca = os.path.join(self.dir, "ca.pem")
        self.log = open(os.path.join(self.dir, "emulate.log"), "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [ccfgen, "emulate", spec, "--port", "0",
             "--state", os.path.join(self.dir, "state.sqlite"),
             "--config-out", self.config, "--ca-out", self.ca],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                sys.exit("ccfgen emulate exited; see " + self.log.name)
            with open(self.log.name, encoding="utf-8") as f:
                if "Serving until Ctrl-C" in f.read():
                    break
            if time.time() > deadline:
                sys.exit("ccfgen emulate did not start")
            time.sleep(0.05)
        with open(self.config, encoding="utf-8") as f:
            self.base = json.load(f)["dce_endpoint"]
        self.tls = ssl.create_default_context(cafile=self.ca)

    def call(self, method, path):
        req = urllib.request.Request(self.base + "/_emulator/" + path, method=method)
        with urllib.request.urlopen(req, context=self.tls, timeout=600) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def counters(self):
        return self.call("GET", "counters")

    def reset(self):
        self.call("POST", "reset")

    def cpu(self):
        """utime+stime of the emulator process so far, in seconds."""
        with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def measured(args, cmd, stdin=None):
    """Runs cmd under GNU time; returns (exit code, wall s, user+sys s, peak RSS KiB) of that
    process alone."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", dir=args.work) as out:
        code = subprocess.call([args.time, "-f", "%e %U %S %M", "-o", out.name] + cmd,
                               stdin=stdin, stdout=subprocess.DEVNULL)
        last = out.read().strip().splitlines()[-1].split()
    wall, user, system, rss = float(last[0]), float(last[1]), float(last[2]), int(last[3])
    return code, wall, user + system, rss


def variants(args, emu):
    """(key, label, input file, command builder) of every client run in a round."""
    sdk = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sdk_upload.py")

    def ccfgen(path, *extra):
        def cmd(run):
            state = os.path.join(args.work, f"state-{run}")
            shutil.rmtree(state, ignore_errors=True)
            return [args.ccfgen, "push", path, "--config", emu.config, "--spec", args.spec,
                    "--state-dir", state, "--progress", "never", *extra]
        return cmd

    out = [
        ("ccfgen_ndjson", "ccfgen push, NDJSON", args.ndjson, ccfgen(args.ndjson)),
        ("ccfgen_array", "ccfgen push, JSON array", args.array, ccfgen(args.array)),
        ("ccfgen_level6", "ccfgen push --gzip-level 6, NDJSON", args.ndjson,
         ccfgen(args.ndjson, "--gzip-level", "6")),
        ("sdk_idiomatic", "SDK: json.load + one upload()", args.array,
         lambda run: [args.python, sdk, emu.config, args.array]),
    ]
    if args.sdk_chunk:
        out.append((
            "sdk_chunked", f"SDK: NDJSON, upload() per {args.sdk_chunk:,}", args.ndjson,
            lambda run: [args.python, sdk, emu.config, args.ndjson,
                         "--chunk", str(args.sdk_chunk)]))
    return out


def run_client(args, emu, key, path, cmd):
    emu.reset()
    before = emu.counters()
    emu_cpu = emu.cpu()
    code, wall, cpu, rss = measured(args, cmd)
    emu_cpu = emu.cpu() - emu_cpu
    after = emu.counters()
    if code != 0:
        sys.exit(f"{key} exited with {code}")
    stored = after["records_stored"] - before["records_stored"]
    if stored != args.count:
        sys.exit(f"{key}: the emulator stored {stored} records, expected {args.count}")
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_mib": rss / 1024,
        "emulator_cpu": emu_cpu,
        "input_bytes": os.path.getsize(path),
        "requests": after["ingest_requests"] - before["ingest_requests"],
        "wire": after["wire_bytes"] - before["wire_bytes"],
        "inflated": after["inflated_bytes"] - before["inflated_bytes"],
    }


def memory_run(args, emu, count):
    """Peak RSS of `ccfgen push -` fed by `ccfgen sample --count N` through a pipe."""
    emu.reset()
    state = os.path.join(args.work, f"state-memory-{count}")
    shutil.rmtree(state, ignore_errors=True)
    sample = subprocess.Popen(
        [args.ccfgen, "sample", args.spec, "--count", str(count), "--seed", "2",
         "--base-time", "2026-01-01T00:00:00Z"],
        stdout=subprocess.PIPE,
    )
    code, wall, cpu, rss = measured(
        args,
        [args.ccfgen, "push", "-", "--config", emu.config, "--spec", args.spec,
         "--state-dir", state, "--progress", "never"],
        stdin=sample.stdout,
    )
    sample.stdout.close()
    sample.wait()
    stored = emu.counters()["records_stored"]
    if code != 0 or stored != count:
        sys.exit(f"memory run of {count}: exit {code}, {stored} stored")
    emu.reset()
    return {"rss_mib": rss / 1024, "wall": wall, "cpu": cpu}


def main():
    args = parse_args()
    emu = Emulator(args.ccfgen, args.spec, args.work)
    runs = {}
    memory = {int(n): [] for n in args.memory_counts.split(",") if n}
    try:
        all_variants = variants(args, emu)
        for r in range(args.runs):
            order = all_variants[r % len(all_variants):] + all_variants[:r % len(all_variants)]
            for key, label, path, cmd in order:
                result = run_client(args, emu, key, path, cmd(key))
                runs.setdefault(key, []).append(result)
                print(f"  round {r + 1}: {label}: {result['cpu']:.2f} CPU s, "
                      f"{result['rss_mib']:.1f} MiB, emulator {result['emulator_cpu']:.2f} CPU s",
                      file=sys.stderr, flush=True)
            for n in memory:
                memory[n].append(memory_run(args, emu, n))
    finally:
        emu.stop()
    report(args, all_variants, runs, memory)


def spread(values, fmt):
    """`median [min-max]` of values."""
    return (f"{format(statistics.median(values), fmt)} "
            f"[{format(min(values), fmt)}-{format(max(values), fmt)}]")


def report(args, all_variants, runs, memory):
    n = args.count
    derived = {
        "records per client CPU s": (lambda r: n / r["cpu"], ",.0f"),
        "MB of JSON per client CPU s": (lambda r: r["input_bytes"] / 1e6 / r["cpu"], ".1f"),
        "client CPU s (user+sys)": (lambda r: r["cpu"], ".2f"),
        "peak RSS, client (MiB)": (lambda r: r["rss_mib"], ".1f"),
        "emulator CPU s per 1M records": (lambda r: r["emulator_cpu"] * 1e6 / n, ".2f"),
        "wall time (s)": (lambda r: r["wall"], ".1f"),
        "requests": (lambda r: r["requests"], ",.0f"),
        "bytes on the wire": (lambda r: r["wire"], ",.0f"),
    }
    print()
    print(f"{n:,} records, {args.runs} interleaved rounds; median [min-max] per variant; "
          "CPU and RSS of each process alone")
    for key, label, path, _ in all_variants:
        print()
        print(f"{label}  ({os.path.basename(path)}, {os.path.getsize(path) / 1e6:,.1f} MB)")
        for name, (f, fmt) in derived.items():
            print(f"  {name:<32}{spread([f(r) for r in runs[key]], fmt)}")

    print()
    print("ratios, paired by round (ccfgen / SDK records per client CPU s; SDK / ccfgen peak RSS):")
    sdks = [v for v in all_variants if v[0].startswith("sdk")]
    for key, label, _, _ in all_variants:
        if not key.startswith("ccfgen"):
            continue
        for skey, slabel, _, _ in sdks:
            cpu = [s["cpu"] / o["cpu"] for o, s in zip(runs[key], runs[skey])]
            rss = [s["rss_mib"] / o["rss_mib"] for o, s in zip(runs[key], runs[skey])]
            print(f"  {label}  vs  {slabel}: {spread(cpu, '.1f')}x records per CPU s, "
                  f"{spread(rss, '.1f')}x less memory")

    print()
    print("ccfgen push peak RSS by input size (streamed from `ccfgen sample` through stdin):")
    for count, results in memory.items():
        print(f"  {count:>12,} records  {spread([m['rss_mib'] for m in results], '.1f')} MiB"
              f"   ({spread([m['cpu'] for m in results], '.1f')} CPU s)")
    print()
    print("json: " + json.dumps({"records": n, "runs": runs,
                                 "memory": {str(k): v for k, v in memory.items()}}))


if __name__ == "__main__":
    main()
