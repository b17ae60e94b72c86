"""Runs the push benchmark that bench/push.sh sets up (standard library only).

Starts `ccfgen emulate` as a separate process, then pushes the same NDJSON file with
`ccfgen push` (default gzip level, then --gzip-level 6) and with Microsoft's Python SDK
(bench/sdk_upload.py), one after the other,
and prints for each: records/s, client CPU seconds (user+sys of the client process only,
from wait4), requests and wire bytes (from the emulator's counters), peak RSS of the client,
and the ratios. Then ccfgen's peak RSS for a small and a large input streamed from
`ccfgen sample` (flat memory).
"""

import argparse
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--ccfgen", required=True)
    p.add_argument("--python", required=True, help="python of the SDK's venv")
    p.add_argument("--spec", required=True)
    p.add_argument("--records", required=True, help="NDJSON input")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--memory-counts", default="10000,10000000")
    p.add_argument("--sdk-chunk", type=int, default=0)
    return p.parse_args()


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

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def measured(cmd, env=None, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (exit code, wall seconds, user+sys seconds, peak RSS KiB) of that
    process alone (wait4 on its pid)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdin=stdin, stdout=stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def run_client(name, emu, cmd, count, env=None):
    emu.reset()
    before = emu.counters()
    code, wall, cpu, rss = measured(cmd, env=env)
    after = emu.counters()
    if code != 0:
        sys.exit(f"{name} exited with {code}")
    stored = after["records_stored"] - before["records_stored"]
    if stored != count:
        sys.exit(f"{name}: the emulator stored {stored} records, expected {count}")
    return {
        "name": name,
        "records": count,
        "wall": wall,
        "cpu": cpu,
        "rss_mib": rss / 1024,
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
    return {"records": count, "rss_mib": rss / 1024, "wall": wall, "cpu": cpu}


def main():
    args = parse_args()
    emu = Emulator(args.ccfgen, args.spec, args.work)
    try:
        state = os.path.join(args.work, "state-ccfgen")
        shutil.rmtree(state, ignore_errors=True)
        ours = run_client(
            "ccfgen push", emu,
            [args.ccfgen, "push", args.records, "--config", emu.config, "--spec", args.spec,
             "--state-dir", state, "--progress", "never"],
            args.count,
        )
        state6 = os.path.join(args.work, "state-ccfgen-level6")
        shutil.rmtree(state6, ignore_errors=True)
        level6 = run_client(
            "ccfgen push --gzip-level 6", emu,
            [args.ccfgen, "push", args.records, "--config", emu.config, "--spec", args.spec,
             "--state-dir", state6, "--progress", "never", "--gzip-level", "6"],
            args.count,
        )
        sdk_cmd = [args.python, os.path.join(os.path.dirname(__file__), "sdk_upload.py"),
                   emu.config, args.records]
        if args.sdk_chunk:
            sdk_cmd += ["--chunk", str(args.sdk_chunk)]
        theirs = run_client("Python SDK", emu, sdk_cmd, args.count)
        memory = [memory_run(args, emu, int(n)) for n in args.memory_counts.split(",")]
    finally:
        emu.stop()
    report(ours, theirs, level6, memory)


def report(ours, theirs, level6, memory):
    def row(label, a, b, ratio=""):
        print(f"{label:<28}{a:>16}{b:>16}{ratio:>12}")

    rate = lambda r: r["records"] / r["wall"]
    per_cpu = lambda r: r["records"] / r["cpu"]
    print()
    row("", "ccfgen push", "Python SDK", "ratio")
    row("records", f"{ours['records']:,}", f"{theirs['records']:,}")
    row("wall time (s)", f"{ours['wall']:.1f}", f"{theirs['wall']:.1f}",
        f"{theirs['wall'] / ours['wall']:.1f}x")
    row("records/s", f"{rate(ours):,.0f}", f"{rate(theirs):,.0f}",
        f"{rate(ours) / rate(theirs):.1f}x")
    row("client CPU s (user+sys)", f"{ours['cpu']:.2f}", f"{theirs['cpu']:.2f}",
        f"{theirs['cpu'] / ours['cpu']:.1f}x")
    row("records per client CPU s", f"{per_cpu(ours):,.0f}", f"{per_cpu(theirs):,.0f}",
        f"{per_cpu(ours) / per_cpu(theirs):.1f}x")
    row("requests", f"{ours['requests']:,}", f"{theirs['requests']:,}",
        f"{theirs['requests'] / ours['requests']:.1f}x fewer")
    row("bytes on the wire", f"{ours['wire']:,}", f"{theirs['wire']:,}",
        f"{theirs['wire'] / ours['wire']:.2f}x")
    row("wire bytes per request", f"{ours['wire'] / ours['requests']:,.0f}",
        f"{theirs['wire'] / theirs['requests']:,.0f}")
    row("peak RSS, client (MiB)", f"{ours['rss_mib']:.1f}", f"{theirs['rss_mib']:.1f}",
        f"{theirs['rss_mib'] / ours['rss_mib']:.1f}x")
    print()
    print(f"ccfgen push --gzip-level 6: {rate(level6):,.0f} records/s, {level6['cpu']:.2f} CPU s "
          f"({per_cpu(level6) / per_cpu(theirs):.1f}x the SDK's records per CPU s), "
          f"{level6['requests']:,} requests ({theirs['requests'] / level6['requests']:.1f}x fewer), "
          f"{level6['wire']:,} bytes on the wire, {level6['rss_mib']:.1f} MiB peak RSS")
    print()
    print("ccfgen push peak RSS by input size (streamed from `ccfgen sample` through stdin):")
    for m in memory:
        print(f"  {m['records']:>12,} records  {m['rss_mib']:7.1f} MiB"
              f"   ({m['wall']:.1f} s wall, {m['cpu']:.1f} s CPU)")
    results = {"ccfgen": ours, "ccfgen_level6": level6, "sdk": theirs, "memory": memory}
    print()
    print("json: " + json.dumps(results))


if __name__ == "__main__":
    main()
