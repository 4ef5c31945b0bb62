#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/measure.py: one site's measurements for scripts/bench (the host, the test VM, or a kTLS machine).

Starts the servers side by side (nginx + OpenSSL, ktla-serve and, for the
handshake figures, the bare mbedTLS server), then measures every figure in
rounds: each round measures each figure once per server, and the servers'
order flips from one round to the next, so that load from elsewhere on the
machine falls on both alike.  Prints progress lines ("@@PROGRESS done total
text") and, at the end, the raw samples as one JSON line ("@@RESULT {...}"),
which scripts/bench collects (from the VM too, where nothing else comes back).
"""
import argparse
import fnmatch
import json
import os
import platform
import re
import subprocess
import sys
import time

import clients
from servers import NGINX, BareMbedtls, KtlaServe, Nginx

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = "/1KiB.bin"  # the "small" file: keep-alive GETs, and the page every s_time connection fetches
SIZES_QUICK = [65536, 1 << 20, 16 << 20]
SIZES_FULL = [16384, 65536, 262144, 1 << 20, 4 << 20, 16 << 20]


T0 = time.monotonic()


def progress(done, total, text):
    print(f"@@PROGRESS {done} {total} {time.monotonic() - T0:.1f} {text}", flush=True)


def size_name(n):
    return f"{n >> 20}MiB" if n >= 1 << 20 else f"{n >> 10}KiB"


def make_files(www, sizes):
    """Files of fixed pseudo-random bytes (content does not matter to TLS; size does)."""
    os.makedirs(www, exist_ok=True)
    for n in [1024] + sizes:
        path = os.path.join(www, size_name(n) + ".bin")
        if not os.path.exists(path) or os.path.getsize(path) != n:
            block = bytes((i * 2654435761 >> 13) & 0xFF for i in range(65536))
            with open(path + ".tmp", "wb") as f:
                for off in range(0, n, len(block)):
                    f.write(block[: min(len(block), n - off)])
            os.rename(path + ".tmp", path)
        os.chmod(path, 0o644)
    os.chmod(www, 0o755)


def negotiated(server):
    """What openssl s_client negotiates with the server, per version."""
    out = {}
    for v in ("1.3", "1.2"):
        r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-brief",
                            "-tls1_3" if v == "1.3" else "-tls1_2"], input="", capture_output=True, text=True,
                           timeout=60)
        text = r.stdout + r.stderr
        suite = re.search(r"^Ciphersuite: (\S+)", text, re.M)
        # "X25519, 253 bits" or "ECDH, prime256v1, 256 bits": the curve's name
        group = re.search(r"^(?:Server|Peer) Temp Key: (?:ECDH, )?(\S+?),", text, re.M)
        out[v] = f"{suite.group(1) if suite else '?'} {group.group(1) if group else '?'}"
    return out


class Figure:
    """One measured figure: how to take a sample from a server, and which servers take part."""

    def __init__(self, fid, title, unit, client, take, servers, better="higher"):
        self.id, self.title, self.unit, self.client = fid, title, unit, client
        self.take, self.servers, self.better = take, servers, better

    def describe(self):
        return {"title": self.title, "unit": self.unit, "client": self.client, "better": self.better,
                "samples": {}}


def figures(a, servers, bench_bin):
    """The figure list of this site (servers: key -> Server)."""
    hs = [k for k in ("nginx", "ktla", "bare") if k in servers] + \
        [k for k in servers if k.startswith(("ktla_mbedtls_", "bare_mbedtls_"))]
    data = [k for k in ("nginx", "ktla", "ktla_user") if k in servers]
    # ktla-serve --mode user (beside the kernel's record layer): in a quick run only the largest file.
    data_quick = [k for k in data if k != "ktla_user"] if a.quick else data
    secs, threads = a.seconds, os.cpu_count()
    figs = []
    for v in ("1.3", "1.2"):
        for reuse in (False, True):
            kind = "resumed (ticket)" if reuse else "full"
            figs.append(Figure(
                f"hs{v.replace('.', '')}_{'resumed' if reuse else 'full'}",
                f"TLS {v} {kind} handshakes/s, 1 client", "conn/s",
                f"openssl s_time -{'reuse' if reuse else 'new'} -tls{v.replace('.', '_')} -www {SMALL}",
                lambda s, v=v, reuse=reuse: clients.s_time(s, SMALL, v, reuse, secs), hs))
    # The key share's group: OpenSSL's clients send X25519 unless told otherwise; mbedTLS computes P-256 faster.
    p256 = clients.groups_env("P-256", a.work)
    figs.append(Figure("hs13_full_p256", "TLS 1.3 full handshakes/s, 1 client, P-256 key share", "conn/s",
                       f"OPENSSL_CONF (Groups = P-256) openssl s_time -new -tls1_3 -www {SMALL}",
                       lambda s: clients.s_time(s, SMALL, "1.3", False, secs, env=p256), hs))
    if not a.quick:  # in a quick run, the scaling part measures 4 clients
        figs.append(Figure("hs13_full_x4", "TLS 1.3 full handshakes/s, 4 clients", "conn/s",
                           f"4 x openssl s_time -new -tls1_3 -www {SMALL}",
                           lambda s: clients.s_time(s, SMALL, "1.3", False, secs, clients=4),
                           ["nginx", "ktla"] + [k for k in servers if k.startswith("ktla_mbedtls_")]))
    # ktla_split (KTLA_SERVE_SEPARATE_RECORDS=1): head and body in two records, as before issue 12's section 2.
    figs.append(Figure("get_small", "keep-alive GETs/s, 1 KiB file", "req/s",
                       f"wrk -t{threads} -c8 {SMALL}",
                       lambda s: clients.wrk(s, SMALL, 8, threads, secs),
                       data_quick + [k for k in ("ktla_split",) if k in servers]))
    for n in a.sizes:
        path = "/" + size_name(n) + ".bin"
        figs.append(Figure(f"bulk_{size_name(n)}", f"bulk MB/s, {size_name(n).replace('MiB', ' MiB').replace('KiB', ' KiB')} file",
                           "MB/s", f"wrk -t1 -c2 {path}",
                           lambda s, path=path: clients.wrk(s, path, 2, 1, secs, per="mb"),
                           data if n == max(a.sizes) else data_quick))
    if bench_bin and a.record_layer == "kernel":
        # ktla-bench adds the kernel's record layer on the client side too.
        figs.append(Figure("get_small_kb", "keep-alive GETs/s, 1 KiB file (client in kTLS)", "req/s",
                           f"ktla-bench --mode get -c8 {SMALL}",
                           lambda s: clients.ktla_bench(bench_bin, s, SMALL, 8, threads, secs), ["nginx", "ktla"]))
        figs.append(Figure("bulk_16MiB_kb", "bulk MB/s, 16 MiB file (client in kTLS)", "MB/s",
                           "ktla-bench --mode get -c2 /16MiB.bin",
                           lambda s: clients.ktla_bench(bench_bin, s, "/16MiB.bin", 2, 1, secs, per="mb"),
                           ["nginx", "ktla"]))
    return figs


def alternate(keys, rnd):
    return list(keys) if rnd % 2 == 0 else list(reversed(keys))


def warm_up(servers, www):
    """Before the first round: the files in the page cache, then handshakes and small GETs on every server."""
    for name in os.listdir(www):
        with open(os.path.join(www, name), "rb") as f:
            while f.read(1 << 20):
                pass
    for s in servers.values():
        clients.s_time(s, SMALL, "1.3", False, 1)
        if not s.key.startswith("bare"):
            clients.wrk(s, SMALL, 4, 1, 1)


def run_rounds(figs, servers, rounds, state, out):
    for rnd in range(rounds):
        for fig in figs:
            entry = out.setdefault(fig.id, fig.describe())
            for key in alternate(fig.servers, rnd):
                state["done"] += 1
                progress(state["done"], state["total"], f"round {rnd + 1}/{rounds}: {fig.title}: {servers[key].label}")
                sample = clients.measured(servers[key], lambda: fig.take(servers[key]))
                sample["round"] = rnd
                entry["samples"].setdefault(key, []).append(sample)


def memory_phase(servers, keys, count, rounds, state, out):
    if not keys:
        return
    entry = out.setdefault("mem_idle", {
        "title": f"server memory per idle keep-alive connection ({count} connections)", "unit": "bytes",
        "client": f"bench/tls_client.py idle (Python ssl), {count} connections, 1 GET each",
        "better": "lower", "samples": {}})
    for rnd in range(rounds):
        for key in alternate(keys, rnd):
            state["done"] += 1
            progress(state["done"], state["total"], f"memory, {count} idle connections: {servers[key].label}")
            servers[key].restart()  # a fresh process: growth is not hidden by memory freed earlier
            sample = clients.idle_memory(servers[key], SMALL, count)
            sample["round"] = rnd
            entry["samples"].setdefault(key, []).append(sample)


def scaling_phase(a, paths, state):
    """Section 5: 1 and 2 workers for each server, handshakes and small GETs with enough clients."""
    srv = {}
    for w in (1, 2):
        srv[f"nginx_{w}"] = Nginx(os.path.join(a.work, f"nginx-w{w}"), paths["www"], a.cert, a.key, w,
                                  a.record_layer == "kernel", key_name=f"nginx_{w}")
        srv[f"ktla_{w}"] = KtlaServe(os.path.join(a.work, f"ktla-w{w}"), paths["serve"], paths["www"], a.cert,
                                     a.key, w, key_name=f"ktla_{w}")
    for s in srv.values():
        s.label = f"{s.label}, {s.key[-1]} worker{'s' if s.key[-1] != '1' else ''}"
    order = ["nginx_1", "ktla_1", "nginx_2", "ktla_2"]
    figs = [Figure("hs13_full_x4", "TLS 1.3 full handshakes/s, 4 clients", "conn/s",
                   f"4 x openssl s_time -new -tls1_3 -www {SMALL}",
                   lambda s: clients.s_time(s, SMALL, "1.3", False, a.seconds, clients=4), order),
            Figure("get_small", "keep-alive GETs/s, 1 KiB file, 16 connections", "req/s",
                   f"wrk -t2 -c16 {SMALL}", lambda s: clients.wrk(s, SMALL, 16, 2, a.seconds), order)]
    out = {}
    try:
        for s in srv.values():
            s.start()
        for s in srv.values():
            clients.s_time(s, SMALL, "1.3", False, 1)
        run_rounds(figs, srv, a.scaling_rounds, state, out)
    finally:
        for s in srv.values():
            s.stop()
    return {"servers": {k: s.label for k, s in srv.items()}, "figures": out}


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            return m.group(1) if m else platform.machine()
    except OSError:
        return platform.machine()


def versions(serve):
    def first_line(cmd):
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    return {"nginx": first_line([NGINX, "-v"]).split("/")[-1],
            "openssl": first_line(["openssl", "version"]).split()[1],
            "ktla": first_line([serve, "--version"]).split()[-1],
            "mbedtls": subprocess.run(["pkg-config", "--modversion", "mbedtls"], capture_output=True,
                                      text=True).stdout.strip(),
            "wrk": first_line(["wrk", "-v"]).split()[1]}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site", required=True, help="host, guest or native")
    p.add_argument("--record-layer", choices=["user", "kernel"], required=True)
    p.add_argument("--build", required=True, help="ktla's build directory")
    p.add_argument("--work", required=True, help="a directory for files, configurations and logs")
    p.add_argument("--bare", help="bench/bare-server binary (handshake figures against bare mbedTLS)")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rounds", type=int)
    p.add_argument("--seconds", type=int)
    p.add_argument("--idle", type=int, help="idle connections for the memory figure")
    p.add_argument("--memory-rounds", type=int)
    p.add_argument("--scaling", action="store_true", help="also 1 and 2 workers (section 5)")
    p.add_argument("--scaling-rounds", type=int)
    p.add_argument("--sizes", help="file sizes for the bulk figures, in KiB, comma-separated")
    p.add_argument("--mbedtls-build", action="append", default=[], metavar="NAME=BUILD",
                   help="also ktla-serve and bare-server of BUILD (a ktla build tree against another mbedTLS "
                        "build, from bench/tuned-mbedtls), in the handshake figures")
    p.add_argument("--figures", help="only these figure ids (comma-separated, * wildcards; mem_idle for memory)")
    p.add_argument("--no-user-mode", action="store_true", help="with --record-layer kernel: no ktla-serve --mode user")
    p.add_argument("--out", help="also write the JSON here")
    a = p.parse_args()
    a.rounds = a.rounds or (2 if a.quick else 5)
    a.seconds = a.seconds or (1 if a.quick else 4)
    a.idle = a.idle or 1000
    a.memory_rounds = a.memory_rounds or (1 if a.quick else 3)
    a.scaling_rounds = a.scaling_rounds or (1 if a.quick else 3)
    a.sizes = [int(k) * 1024 for k in a.sizes.split(",")] if a.sizes else SIZES_QUICK if a.quick else SIZES_FULL
    a.mbedtls_build = [f"{n}={os.path.abspath(b)}" for n, b in (x.split("=", 1) for x in a.mbedtls_build)]
    for name in ("build", "work", "bare", "cert", "key", "out"):
        if getattr(a, name):
            setattr(a, name, os.path.abspath(getattr(a, name)))
    return a


def main():
    a = parse_args()
    t0 = time.monotonic()
    paths = {"serve": os.path.join(a.build, "tools/ktla-serve/ktla-serve"),
             "bench": os.path.join(a.build, "tools/ktla-bench/ktla-bench"),
             "www": os.path.join(a.work, "www")}
    make_files(paths["www"], a.sizes)
    kernel = a.record_layer == "kernel"
    workers = os.cpu_count()
    servers = {"nginx": Nginx(os.path.join(a.work, "nginx"), paths["www"], a.cert, a.key, workers, kernel),
               "ktla": KtlaServe(os.path.join(a.work, "ktla"), paths["serve"], paths["www"], a.cert, a.key, workers)}
    if kernel and not a.no_user_mode:
        servers["ktla_user"] = KtlaServe(os.path.join(a.work, "ktla-user"), paths["serve"], paths["www"], a.cert,
                                         a.key, workers, user_mode=True, key_name="ktla_user")
    if not a.mbedtls_build:  # the one-record change's before and after (not in the tuned site: handshakes only)
        servers["ktla_split"] = KtlaServe(os.path.join(a.work, "ktla-split"), paths["serve"], paths["www"], a.cert,
                                          a.key, workers, key_name="ktla_split")
        servers["ktla_split"].env = {"KTLA_SERVE_SEPARATE_RECORDS": "1"}
        servers["ktla_split"].label = "ktla-serve, head and body in separate records (as before)"
    for spec in a.mbedtls_build:
        name, build = spec.split("=", 1)
        servers[f"ktla_mbedtls_{name}"] = KtlaServe(os.path.join(a.work, f"ktla-{name}"),
                                                    os.path.join(build, "tools/ktla-serve/ktla-serve"), paths["www"],
                                                    a.cert, a.key, workers, key_name=f"ktla_mbedtls_{name}")
        servers[f"ktla_mbedtls_{name}"].label = f"ktla-serve, mbedTLS built {name}"
        servers[f"bare_mbedtls_{name}"] = BareMbedtls(os.path.join(a.work, f"bare-{name}"),
                                                      os.path.join(build, "bench/bin/bare-server"),
                                                      os.path.join(paths["www"], SMALL[1:]), a.cert, a.key,
                                                      key_name=f"bare_mbedtls_{name}",
                                                      label=f"bare mbedTLS built {name}")
    if a.bare:
        servers["bare"] = BareMbedtls(os.path.join(a.work, "bare"), a.bare, os.path.join(paths["www"], SMALL[1:]),
                                      a.cert, a.key)
    result = {"site": a.site, "record_layer": a.record_layer, "kernel": platform.release(),
              "cpus": os.cpu_count(), "cpu_model": cpu_model(), "load_start": loadavg(), "quick": a.quick,
              "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "versions": versions(paths["serve"]),
              "settings": {"rounds": a.rounds, "seconds": a.seconds, "idle_connections": a.idle,
                           "memory_rounds": a.memory_rounds, "sizes": a.sizes, "workers": workers,
                           "small_file": SMALL},
              "figures": {}, "errors": []}
    try:
        for s in servers.values():
            s.start()
        result["servers"] = {k: s.label for k, s in servers.items()}
        result["negotiated"] = {k: negotiated(s) for k, s in servers.items()}
        figs = figures(a, servers, paths["bench"] if os.path.exists(paths["bench"]) else None)
        mem_keys = [k for k in ("nginx", "ktla", "ktla_user") if k in servers]
        result["settings"]["mbedtls_builds"] = dict(spec.split("=", 1) for spec in a.mbedtls_build)
        if a.figures:
            wanted = a.figures.split(",")
            figs = [f for f in figs if any(fnmatch.fnmatch(f.id, w) for w in wanted)]
            if "mem_idle" not in wanted:
                mem_keys = []
        state = {"done": 0, "total": a.rounds * sum(len(f.servers) for f in figs) + a.memory_rounds * len(mem_keys)
                 + (a.scaling_rounds * 8 if a.scaling else 0)}
        progress(0, state["total"], "warming up")
        warm_up(servers, paths["www"])
        run_rounds(figs, servers, a.rounds, state, result["figures"])
        memory_phase(servers, mem_keys, a.idle, a.memory_rounds, state, result["figures"])
    except Exception as e:  # reported in the JSON and the exit status, with what was measured so far
        result["errors"].append(f"{type(e).__name__}: {e}")
    finally:
        for s in servers.values():
            s.stop()
    if a.scaling and not result["errors"]:
        try:
            result["scaling"] = scaling_phase(a, paths, state)
        except Exception as e:
            result["errors"].append(f"scaling: {type(e).__name__}: {e}")
    result["load_end"] = loadavg()
    result["duration_s"] = round(time.monotonic() - t0, 1)
    text = json.dumps(result, separators=(",", ":"))
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print("@@RESULT " + text, flush=True)
    sys.exit(1 if result["errors"] else 0)


if __name__ == "__main__":
    main()
