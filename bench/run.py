#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/run.py: the whole benchmark run behind scripts/bench (which installs and builds first).

Where this kernel takes TLS keys (ktla-probe --strict), every figure is measured
here with the record layer in the kernel for both servers.  Elsewhere the host
gives the user-space figures and the test VM (tests/vm/run-in-vm) the kernel
ones.  Then, unless --quick, callgrind's instruction counts of the handshake
(ktla-serve against bare mbedTLS).  Then the report.  One progress line while
it runs; the sites' raw JSON, the report, the charts and the logs go to
--out (build/bench).
"""
import argparse
import fcntl
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


class Progress:
    """One line, rewritten on a terminal; on anything else one line per step."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.t0 = time.monotonic()
        self.width = 0

    def show(self, part, text):
        secs = int(time.monotonic() - self.t0)
        line = f"[bench {secs // 60}:{secs % 60:02d}] {part}: {text}"
        if self.tty:
            line = line[:max(20, os.get_terminal_size().columns - 1)]
            sys.stdout.write("\r" + line + " " * max(0, self.width - len(line)))
            self.width = len(line)
        else:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def done(self):
        if self.tty and self.width:
            sys.stdout.write("\n")
            self.width = 0


def stream(cmd, part, progress, log_path, env=None):
    """Run cmd, show its @@PROGRESS lines, keep its whole output in log_path; return (status, @@RESULT JSON)."""
    result = None
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                cwd=TOP)
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if line.startswith("@@PROGRESS "):
                _, done, total, _, text = line.rstrip("\n").split(" ", 4)
                progress.show(part, f"{done}/{total} {text}")
            elif line.startswith("@@RESULT "):
                result = json.loads(line[len("@@RESULT "):])
            elif "run-in-vm" in line:
                progress.show(part, line.strip())
        proc.wait()
    progress.done()
    return proc.returncode, result


def measure_cmd(a, site, record_layer, work, out=None, extra=()):
    cmd = [sys.executable, os.path.join(HERE, "measure.py"), "--site", site, "--record-layer", record_layer,
           "--build", a.build, "--work", work, "--cert", a.cert, "--key", a.key]
    if a.quick:
        cmd.append("--quick")
    if out:
        cmd += ["--out", out]
    return cmd + list(extra)


def run_site(a, progress, site, record_layer, extra, in_vm=False):
    log = os.path.join(a.out, f"{site}.log")
    path = os.path.join(a.out, f"{site}.json")
    if in_vm:
        # The guest writes nothing that survives it: its JSON comes back on stdout.
        cmd = measure_cmd(a, site, record_layer, "/tmp/ktla-bench-" + site, extra=extra)
        vm = [os.path.join(TOP, "tests/vm/run-in-vm"), "--kernel", a.kernel, "--cache", a.vm_cache,
              "--timeout", str(a.vm_timeout), "--"]
        lock = None
        if a.vm_lock:
            # Held by this process (and inherited by the VM runner) for the whole VM run.
            progress.show(site, f"waiting for the VM lock {a.vm_lock}")
            lock = open(a.vm_lock, "a")
            t = time.monotonic()
            fcntl.flock(lock, fcntl.LOCK_EX)
            a.waited += time.monotonic() - t
        t = time.monotonic()
        status, result = stream(vm + cmd, site, progress, log)
        a.parts[site] = time.monotonic() - t
        if lock:
            lock.close()
    else:
        t = time.monotonic()
        status, result = stream(measure_cmd(a, site, record_layer, os.path.join(a.out, "work-" + site),
                                            extra=extra), site, progress, log)
        a.parts[site] = time.monotonic() - t
    if result is None:
        print(f"bench: the {site} measurements gave no result (status {status}); see {log}", file=sys.stderr)
        return None
    with open(path, "w") as f:
        json.dump(result, f)
    for e in result.get("errors", []):
        print(f"bench: {site}: {e} (see {log})", file=sys.stderr)
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--build", default=os.path.join(TOP, "build"))
    p.add_argument("--out")
    p.add_argument("--bare", required=True)
    p.add_argument("--no-vm", action="store_true")
    p.add_argument("--profile", choices=["yes", "no", "auto"], default="auto")
    p.add_argument("--tuned", action="store_true",
                   help="also build mbedTLS from Debian's source with Everest (bench/tuned-mbedtls) and measure "
                        "the handshakes of both builds against nginx")
    p.add_argument("--kernel", default=os.environ.get("KTLA_VM_KERNEL", "6.12"))
    p.add_argument("--command", default="scripts/bench")
    a = p.parse_args()
    a.out = os.path.abspath(a.out or os.path.join(a.build, "bench"))
    a.build = os.path.abspath(a.build)
    a.cert = os.path.join(TOP, "tests/data/ecdsa-p256.crt")
    a.key = os.path.join(TOP, "tests/data/ecdsa-p256.key")
    a.vm_cache = os.path.abspath(os.environ.get("KTLA_VM_CACHE", os.path.join(a.build, "vm-cache")))
    a.vm_lock = os.environ.get("KTLA_VM_LOCK")
    a.vm_timeout = 900 if a.quick else 3600
    a.waited, a.parts = 0.0, {}
    os.makedirs(a.out, exist_ok=True)
    t0 = time.monotonic()
    progress = Progress()
    probe = subprocess.run([os.path.join(a.build, "tools/ktla-probe/ktla-probe"), "--strict"], capture_output=True)
    native = probe.returncode == 0
    sites, failed = [], False
    if native:
        path = run_site(a, progress, "native", "kernel", ["--scaling"])
        sites.append(path)
    else:
        path = run_site(a, progress, "host", "user", ["--scaling", "--bare", a.bare])
        sites.append(path)
        if not a.no_vm:
            # Under emulation everything is 30 to 100 times slower: a quick run keeps
            # the figures the kernel's record layer changes, once each; a full run
            # takes 400 idle connections (1,000 would take minutes of handshakes).
            extra = ["--seconds", "2", "--rounds", "1", "--idle", "200", "--sizes", "1024,16384", "--figures",
                     "hs13_full,get_small,bulk_*,mem_idle"] if a.quick else \
                ["--seconds", "5", "--rounds", "3", "--idle", "400", "--memory-rounds", "1"]
            sites.append(run_site(a, progress, "guest", "kernel", extra, in_vm=True))
    if a.tuned:
        builds = []
        for variant in ("debian", "everest"):
            progress.show("tuned", f"building mbedTLS ({variant}) and ktla against it (bench/tuned-mbedtls)")
            r = subprocess.run([os.path.join(HERE, "tuned-mbedtls"), a.build, variant], capture_output=True,
                               text=True)
            if r.returncode != 0:
                print(f"bench: bench/tuned-mbedtls {variant} failed: {r.stderr.strip()}", file=sys.stderr)
                break
            builds.append(f"{variant}={os.path.join(a.build, 'bench', 'ktla-' + variant)}")
        else:
            progress.done()
            extra = ["--bare", a.bare, "--figures", "hs*"] + ([] if a.quick else ["--rounds", "3"])
            for b in builds:
                extra += ["--mbedtls-build", b]
            sites.append(run_site(a, progress, "tuned", "user", extra))
    failed = None in sites
    sites = [s for s in sites if s]
    profile = os.path.join(a.out, "profile.json")
    profile_everest = os.path.join(a.out, "profile-everest.json")
    want_profile = a.profile == "yes" or (a.profile == "auto" and not a.quick)
    if want_profile:
        t = time.monotonic()
        status, _ = stream([sys.executable, os.path.join(HERE, "profile.py"), "--build", a.build, "--bare", a.bare,
                            "--work", os.path.join(a.out, "profile"), "--cert", a.cert, "--key", a.key,
                            "--connections", "20", "--record-layer", "kernel" if native else "user", "--out",
                            profile], "callgrind", progress, os.path.join(a.out, "profile.log"))
        failed |= status != 0
        everest = os.path.join(a.build, "bench", "ktla-everest")
        if a.tuned and os.path.isdir(everest):
            status, _ = stream([sys.executable, os.path.join(HERE, "profile.py"), "--build", everest, "--bare",
                                os.path.join(everest, "bench/bin/bare-server"), "--work",
                                os.path.join(a.out, "profile-everest"), "--cert", a.cert, "--key", a.key,
                                "--connections", "20", "--record-layer", "kernel" if native else "user", "--out",
                                profile_everest], "callgrind (everest)", progress,
                               os.path.join(a.out, "profile-everest.log"))
            failed |= status != 0
        a.parts["callgrind"] = time.monotonic() - t
    for old_profile in (profile, profile_everest):
        if not want_profile and os.path.exists(old_profile):
            os.unlink(old_profile)  # an old profile would pass for this run's
    if not sites:
        sys.exit("bench: nothing was measured")
    commit = subprocess.run(["git", "-C", TOP, "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip()
    subprocess.run([sys.executable, os.path.join(HERE, "report.py"), a.out] + sites +
                   (["--profile", profile] if want_profile else []) +
                   (["--profile-everest", profile_everest] if want_profile and os.path.exists(profile_everest)
                    else []) +
                   ["--command", a.command, "--duration", f"{time.monotonic() - t0 - a.waited:.0f}",
                    "--parts", json.dumps({k: round(v) for k, v in a.parts.items()}), "--commit", commit],
                   check=True)
    secs = int(time.monotonic() - t0 - a.waited)
    waited = f" (and {a.waited:.0f} s waiting for the VM lock)" if a.waited >= 1 else ""
    print(f"bench: {os.path.join(a.out, 'report.md')} (charts, results.json and logs beside it), "
          f"{secs // 60} min {secs % 60} s{waited}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
