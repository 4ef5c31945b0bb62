# SPDX-License-Identifier: Apache-2.0
"""bench/clients.py: the clients scripts/bench drives, each returning one sample.

A sample is a dict with "value" (the figure) and what else was seen: the
client's CPU seconds (from wait4), the server's CPU seconds over the run, the
kernel's TLS counters' growth (which proves whether the kernel did the record
layer), and the client's own counts (connections, resumed, bytes, errors).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from servers import cpu_times

HERE = os.path.dirname(os.path.abspath(__file__))
WRK_SCRIPT = os.path.join(HERE, "wrk-report.lua")
TLS_CLIENT = os.path.join(HERE, "tls_client.py")


def tls_stat():
    """/proc/net/tls_stat as a dict ({} where the kernel has no tls module)."""
    try:
        with open("/proc/net/tls_stat") as f:
            return {k: int(v) for k, v in (line.split() for line in f if line.strip())}
    except OSError:
        return {}


def run_clients(cmds, timeout, env=None):
    """Run the commands at once; return [(status, stdout, cpu_s)] and the wall time."""
    procs = []
    start = time.monotonic()
    for cmd in cmds:
        out = tempfile.TemporaryFile()
        procs.append((subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env),
                      out))
    results = []
    deadline = start + timeout
    for proc, out in procs:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        results.append((proc.returncode, out.read().decode(errors="replace"), usage.ru_utime + usage.ru_stime))
        out.close()
    return results, time.monotonic() - start


def machine_busy():
    """(busy, total) jiffies of all CPUs together, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]  # idle, iowait
    return sum(v[:8]) - idle, sum(v[:8])


def measured(server, fn):
    """Run fn() (which returns a sample) and add the server's CPU and the kernel's TLS counters."""
    pids = server.pids()
    (user0, sys0), tls0, busy0 = cpu_times(pids), tls_stat(), machine_busy()
    t0 = time.monotonic()
    sample = fn()
    user1, sys1 = cpu_times(pids)
    busy1 = machine_busy()
    # Cores busy on the whole machine over the run (server, clients and whatever else runs here).
    sample["machine_busy_cores"] = round((busy1[0] - busy0[0]) / (busy1[1] - busy0[1]) * os.cpu_count(), 2) \
        if busy1[1] > busy0[1] else None
    sample["measured_s"] = round(time.monotonic() - t0, 3)
    sample["server_user_s"] = round(user1 - user0, 3)
    sample["server_sys_s"] = round(sys1 - sys0, 3)
    sample["server_cpu_s"] = round(user1 - user0 + sys1 - sys0, 3)
    tls1 = tls_stat()
    sample["ktls_tx_sw"] = tls1.get("TlsTxSw", 0) - tls0.get("TlsTxSw", 0)
    sample["ktls_rx_sw"] = tls1.get("TlsRxSw", 0) - tls0.get("TlsRxSw", 0)
    return sample


def groups_env(group, work):
    """The environment for an OpenSSL client that offers only this group (s_time has no -groups)."""
    conf = os.path.join(work, f"openssl-{group}.cnf")
    with open(conf, "w") as f:
        f.write("openssl_conf = openssl_init\n[openssl_init]\nssl_conf = ssl_sect\n[ssl_sect]\n"
                "system_default = system_default_sect\n[system_default_sect]\n"
                f"Groups = {group}\n")
    return dict(os.environ, OPENSSL_CONF=conf)


def s_time(server, path, version, reuse, seconds, clients=1, env=None):
    """openssl s_time -www PATH: connections per second, each a handshake and one GET.

    With -reuse every connection but the first offers the previous session
    (TLS 1.2 ticket or TLS 1.3 ticket); s_time prints 'r' for each resumed
    connection and '*' for each full one, which are counted here.  env: see
    groups_env().
    """
    cmd = ["openssl", "s_time", "-connect", f"127.0.0.1:{server.port}", "-www", path,
           "-time", str(int(seconds)), "-tls1_3" if version == "1.3" else "-tls1_2", "-reuse" if reuse else "-new"]
    results, wall = run_clients([cmd] * clients, timeout=seconds + 60, env=env)
    conns = resumed = full = 0
    cpu = 0.0
    for status, out, cpu_s in results:
        m = re.search(r"^(\d+) connections in [\d.]+s;", out, re.M)
        if status != 0 or m is None:
            raise RuntimeError(f"s_time against {server.label} failed (status {status}): {out[-500:]}")
        conns += int(m.group(1))
        marks = "".join(line for line in out.splitlines() if re.fullmatch(r"[*r]+", line))
        resumed += marks.count("r")
        full += marks.count("*")
        cpu += cpu_s
    sample = {"value": conns / wall, "connections": conns, "wall_s": round(wall, 3), "client_cpu_s": round(cpu, 3)}
    if reuse:
        sample["resumed"] = resumed
        sample["full"] = full
    return sample


def wrk(server, path, connections, threads, seconds, per="requests"):
    """wrk over keep-alive connections: requests/s, or MB/s (10^6 bytes, as they arrive) with per='mb'."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{int(seconds)}s", "--timeout", "30s",
           "-s", WRK_SCRIPT, f"https://127.0.0.1:{server.port}{path}"]
    [(status, out, cpu_s)], wall = run_clients([cmd], timeout=seconds + 60)
    m = re.search(r"^WRKJSON (\{.*\})$", out, re.M)
    if status != 0 or m is None:
        raise RuntimeError(f"wrk against {server.label} failed (status {status}): {out[-500:]}")
    r = json.loads(m.group(1))
    secs = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    value = r["bytes"] / secs / 1e6 if per == "mb" else r["requests"] / secs
    return {"value": value, "requests": r["requests"], "bytes": r["bytes"], "wall_s": round(secs, 3),
            "errors": errors, "p50_us": r["p50_us"], "p99_us": r["p99_us"], "client_cpu_s": round(cpu_s, 3)}


def ktla_bench(binary, server, path, connections, threads, seconds, per="requests"):
    """ktla-bench --mode get: its client record layer goes to the kernel where the kernel takes the keys."""
    # One AEAD, the one OpenSSL's clients get from both servers (ktla-bench's default list puts ChaCha20 first).
    cmd = [binary, "--json", "--mode", "get", "--cipher", "aes-256-gcm", "-c", str(connections), "-t", str(threads),
           "-d", str(seconds),
           f"https://127.0.0.1:{server.port}{path}"]
    [(status, out, cpu_s)], wall = run_clients([cmd], timeout=seconds + 60)
    line = next((l for l in out.splitlines() if l.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"ktla-bench against {server.label} failed (status {status}): {out[-500:]}")
    r = json.loads(line)
    value = r["mb_per_s"] if per == "mb" else r["requests_per_s"]
    layer = r["client_record_layer"]
    return {"value": value, "requests": r["requests"], "bytes": r["body_bytes"], "errors": r["errors"],
            "client_kernel": layer["kernel"], "client_user": layer["user"], "client_cpu_s": round(cpu_s, 3)}


def meminfo_kib(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def idle_memory(server, path, count, warm=20):
    """Server RSS growth per idle keep-alive connection (each did one handshake and one GET).

    Also the kernel's slab growth (whole system: both ends' sockets and, with
    kTLS, the kernel's TLS state), which means something only on a quiet
    machine such as the test VM.
    """
    def hold(n):
        p = subprocess.Popen([sys.executable, TLS_CLIENT, "idle", "127.0.0.1", str(server.port), path, str(n)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        if not line.startswith("ready"):
            p.kill()
            raise RuntimeError(f"idle client against {server.label} failed: {line!r}")
        return p, float(line.split()[2])

    p, _ = hold(warm)  # first allocations of the worker (buffers, pools) are not per connection
    p.stdin.close()
    p.wait()
    time.sleep(0.3)
    rss0, slab0 = server.rss(), meminfo_kib("Slab")
    p, setup_s = hold(count)
    time.sleep(0.5)
    rss1, slab1 = server.rss(), meminfo_kib("Slab")
    p.stdin.close()
    p.wait()
    return {"value": (rss1 - rss0) / count, "connections": count, "rss_before": rss0, "rss_after": rss1,
            "slab_per_conn": (slab1 - slab0) * 1024 / count, "setup_s": round(setup_s, 2)}
