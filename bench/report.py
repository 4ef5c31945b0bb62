#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/report.py: build/bench/report.md, results.json and the PNG charts from the sites' raw JSON.

  report.py OUT_DIR SITE_JSON... [--profile PROFILE_JSON] [--command TEXT] [--duration SECONDS]

Every figure is the median of its rounds, with the spread (lowest to highest)
beside it; the ratio is ktla-serve / nginx, the median of the per-round
ratios (the two servers of a round ran back to back, so the ratio of a round
is less disturbed by the machine's load than either figure alone).
"""
import argparse
import json
import os
import statistics
import subprocess
import time

SITE_TITLES = {
    "host": "Host: both record layers in user space",
    "native": "This machine: the record layer in the kernel (kTLS) for both",
    "guest": "Test VM: the record layer in the kernel (kTLS) for both",
    "tuned": "Host: handshakes with mbedTLS built two ways",
}
# Figures derived from the samples of another figure: (id, source, title, unit, better, function of a sample).
DERIVED = [
    ("hs13_full_cpu", "hs13_full", "server CPU per TLS 1.3 full handshake (+ 1 small GET)", "ms", "lower",
     lambda s: 1000 * s["server_cpu_s"] / s["connections"]),
    ("hs13_full_sys", "hs13_full", "of which system (kernel) time", "ms", "lower",
     lambda s: 1000 * s.get("server_sys_s", 0) / s["connections"]),
    ("hs13_full_p256_cpu", "hs13_full_p256", "server CPU per TLS 1.3 full handshake, P-256 key share (+ 1 small GET)",
     "ms", "lower", lambda s: 1000 * s["server_cpu_s"] / s["connections"]),
    ("hs13_resumed_cpu", "hs13_resumed", "server CPU per TLS 1.3 resumed handshake (+ 1 small GET)", "ms", "lower",
     lambda s: 1000 * s["server_cpu_s"] / s["connections"]),
    ("hs12_full_cpu", "hs12_full", "server CPU per TLS 1.2 full handshake (+ 1 small GET)", "ms", "lower",
     lambda s: 1000 * s["server_cpu_s"] / s["connections"]),
    ("hs12_resumed_cpu", "hs12_resumed", "server CPU per TLS 1.2 resumed handshake (+ 1 small GET)", "ms", "lower",
     lambda s: 1000 * s["server_cpu_s"] / s["connections"]),
    ("cpu_per_gb_1MiB", "bulk_1MiB", "server CPU seconds per GB served, 1 MiB files", "s/GB", "lower",
     lambda s: s["server_cpu_s"] / (s["bytes"] / 1e9)),
    ("cpu_per_gb_16MiB", "bulk_16MiB", "server CPU seconds per GB served, 16 MiB files", "s/GB", "lower",
     lambda s: s["server_cpu_s"] / (s["bytes"] / 1e9)),
]
ORDER = ["hs13_full", "hs13_full_p256", "hs13_resumed", "hs12_full", "hs12_resumed", "hs13_full_x4", "hs13_full_cpu",
         "hs13_full_sys", "hs13_full_p256_cpu", "hs13_resumed_cpu", "hs12_full_cpu", "hs12_resumed_cpu", "get_small", "get_small_kb", "bulk_1MiB", "bulk_16MiB", "bulk_16MiB_kb",
         "cpu_per_gb_1MiB", "cpu_per_gb_16MiB", "mem_idle"]


def figure_order(figs):
    """ORDER, with the bulk figures of every size (smallest first) where the fixed ones stand."""
    def size(fid):
        n = fid.split("_")[1]
        return int(n[:-3]) << (20 if n.endswith("MiB") else 10)
    bulk = sorted((f for f in figs if f.startswith("bulk_") and not f.endswith("_kb")), key=size)
    order = []
    for fid in ORDER:
        if fid == "bulk_1MiB":
            order += bulk
        elif fid not in ("bulk_16MiB",):
            order.append(fid)
    return order + sorted(set(figs) - set(order))


def add_derived(site):
    figs = site["figures"]
    for fid, src, title, unit, better, fn in DERIVED:
        if src not in figs:
            continue
        samples = {k: [dict(s, value=fn(s), round=s["round"]) for s in ss if s.get("connections", 1) and
                       s.get("bytes", 1)] for k, ss in figs[src]["samples"].items()}
        figs[fid] = {"title": title, "unit": unit, "better": better, "client": figs[src]["client"] + " (as above)",
                     "samples": samples}


def median(xs):
    return statistics.median(xs) if xs else None


def paired_ratios(fig, a, b):
    """Per round: a's figure / b's figure."""
    by_round = {}
    for key in (a, b):
        for s in fig["samples"].get(key, []):
            by_round.setdefault(s["round"], {})[key] = s["value"]
    return [r[a] / r[b] for r in by_round.values() if a in r and b in r and r[b]]


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "bytes":
        return f"{v / 1024:,.1f} KiB"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def cell(fig, key):
    vals = [s["value"] for s in fig["samples"].get(key, [])]
    if not vals:
        return "–"
    text = fmt(median(vals), fig["unit"])
    if len(vals) > 1:
        text += f" <sub>{fmt(min(vals), fig['unit'])}–{fmt(max(vals), fig['unit'])}</sub>"
    return text


def ratio_cell(fig, a, b):
    rs = paired_ratios(fig, a, b)
    if not rs:
        return "–", None
    text = f"**{median(rs):.2f}**"
    if len(rs) > 1:
        text += f" <sub>{min(rs):.2f}–{max(rs):.2f}</sub>"
    return text, median(rs)


def verdict(r, better):
    if r is None:
        return ""
    ahead = r > 1 if better == "higher" else r < 1
    if 0.95 <= r <= 1.05:
        return "even"
    return "ktla-serve" if ahead else "nginx"


def client_name(command):
    """The client of a figure, as the tables name it (the full command is in "Which client measured what")."""
    for name in ("openssl s_time", "wrk", "ktla-bench", "tls_client.py"):
        if name in command:
            return name.replace("tls_client.py", "Python ssl")
    return command.split()[0]


def site_table(site):
    figs = site["figures"]
    has_user = any("ktla_user" in f["samples"] for f in figs.values())
    has_bare = any("bare" in f["samples"] for f in figs.values())
    head = ["figure", "unit", "nginx", "ktla-serve", "ktla / nginx", "ahead"]
    if has_user:
        head.append("ktla-serve --mode user")
    if has_bare:
        head += ["bare mbedTLS", "ktla / bare"]
    head.append("client")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for fid in figure_order(figs):
        if fid not in figs:
            continue
        f = figs[fid]
        rtext, r = ratio_cell(f, "ktla", "nginx")
        row = [f["title"], f["unit"] if f["unit"] != "bytes" else "per conn.", cell(f, "nginx"), cell(f, "ktla"),
               rtext, verdict(r, f["better"])]
        if has_user:
            row.append(cell(f, "ktla_user"))
        if has_bare:
            row += [cell(f, "bare"), ratio_cell(f, "ktla", "bare")[0] if "bare" in f["samples"] else "–"]
        row.append(client_name(f["client"]))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# The summary (the README shows it): (row title, figure ids joined by " / " in one cell).
SUMMARY = [
    ("TLS 1.3 full handshakes/s, 1 client / 4 clients", ["hs13_full", "hs13_full_x4"]),
    ("TLS 1.3 full handshakes/s, P-256 key share", ["hs13_full_p256"]),
    ("TLS 1.3 resumed (ticket) handshakes/s", ["hs13_resumed"]),
    ("TLS 1.2 full / resumed (ticket) handshakes/s", ["hs12_full", "hs12_resumed"]),
    ("server CPU per TLS 1.3 full handshake (+ 1 GET)", ["hs13_full_cpu"]),
    ("keep-alive GETs/s, 1 KiB (wrk / ktla-bench)", ["get_small", "get_small_kb"]),
    ("MB/s, 1 MiB / 16 MiB files", ["bulk_1MiB", "bulk_16MiB"]),
    ("server CPU seconds per GB, 1 MiB / 16 MiB files", ["cpu_per_gb_1MiB", "cpu_per_gb_16MiB"]),
    ("server memory per idle keep-alive connection", ["mem_idle"]),
]


def summary_ratio(site, fid):
    """ktla-serve / nginx for one figure of a site (4 clients: from the scaling part's 2 workers in a quick run)."""
    f = site["figures"].get(fid)
    a, b = "ktla", "nginx"
    if f is None and fid == "hs13_full_x4":
        f, a, b = site.get("scaling", {}).get("figures", {}).get(fid), "ktla_2", "nginx_2"
    if f is None:
        return None
    r = ratio_cell(f, a, b)[1]
    if r is None:
        return None
    if fid == "mem_idle":
        text = f"{fmt(median([s['value'] for s in f['samples'][a]]), 'bytes')} against " \
               f"{fmt(median([s['value'] for s in f['samples'][b]]), 'bytes')}"
        if f["samples"].get("ktla_user"):
            text += f" (user mode {fmt(median([s['value'] for s in f['samples']['ktla_user']]), 'bytes')})"
        return text
    return f"{r:.2f}"


def summary_section(sites):
    sites = [s for s in sites if s["site"] != "tuned"]
    head = {"host": "host, user-space records", "native": "this machine, kTLS both"}
    cols = [head.get(s["site"], f"test VM ({s['kernel'].split('+')[0]}), kTLS both") for s in sites]
    lines = ["| figure, ktla-serve / nginx | " + " | ".join(cols) + " |", "|---|" + "---|" * len(sites)]
    for title, fids in SUMMARY:
        cells = []
        for site in sites:
            vals = [summary_ratio(site, fid) for fid in fids]
            cells.append(" / ".join(v or "–" for v in vals) if any(vals) else "–")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    one = []
    for site in sites:
        f = site["figures"].get("get_small")
        r = ratio_cell(f, "ktla", "ktla_split")[1] if f and "ktla_split" in f["samples"] else None
        one.append(f"{r:.2f}" if r is not None else "–")
    lines.append("| keep-alive GETs/s, 1 KiB: one record / two (ktla-serve against itself) | " + " | ".join(one) + " |")
    return "\n".join(lines) + "\n\nRatios are ktla-serve / nginx (for CPU and memory: lower is better for " \
        "ktla-serve); the tables below have the figures, their spread and the client of each.\n"


def one_record_section(sites):
    """Issue 12, section 2: small GETs with head and body in one record, against two (the same binary, same run)."""
    lines = ["| site | nginx | ktla-serve: one record | ktla-serve: two records (as before) | one / two records | "
             "ktla (one record) / nginx | ktla (two records) / nginx | client |", "|---|---|---|---|---|---|---|---|"]
    for site in sites:
        f = site["figures"].get("get_small")
        if not f or "ktla_split" not in f["samples"]:
            continue
        where = {"host": "host, user-space records", "guest": f"test VM ({site['kernel'].split('+')[0]}), kTLS",
                 "native": "this machine, kTLS"}.get(site["site"], site["site"])
        lines.append(f"| {where} | {cell(f, 'nginx')} | {cell(f, 'ktla')} | {cell(f, 'ktla_split')} | "
                     f"{ratio_cell(f, 'ktla', 'ktla_split')[0]} | {ratio_cell(f, 'ktla', 'nginx')[0]} | "
                     f"{ratio_cell(f, 'ktla_split', 'nginx')[0]} | `{f['client']}` |")
    if len(lines) == 2:
        return ""
    return ("\n".join(lines) + "\n\nktla-serve sends a response whose head and body fit in one TLS record "
            "(16 KiB) with one write: one record where it used to send the head and then the file (two records, and "
            "two system calls on kTLS). The two-record figure is the same binary with KTLA_SERVE_SEPARATE_RECORDS=1, "
            "measured in the same rounds, alternating with the others (`tests/serve/check-records` counts the "
            "records a client sees).\n")


def checks(site):
    """What the samples themselves say about the run's honesty."""
    notes = []
    figs = site["figures"]
    neg = site.get("negotiated", {})
    for v in ("1.3", "1.2"):
        seen = {k: n[v] for k, n in neg.items()}
        if len(set(seen.values())) > 1:
            notes.append(f"TLS {v}: the servers negotiated different suites or groups with openssl s_client: {seen}")
        elif seen:
            notes.append(f"TLS {v}: every server negotiated {next(iter(seen.values()))} with openssl s_client.")
    for fid in ("hs13_resumed", "hs12_resumed"):
        for key, ss in figs.get(fid, {}).get("samples", {}).items():
            full = sum(s.get("full", 0) for s in ss)
            total = sum(s["connections"] for s in ss)
            if full:
                notes.append(f"{fid}: {site['servers'][key]}: {full} of {total} connections were not resumed.")
    errs = {}
    for fid, f in figs.items():
        for key, ss in f["samples"].items():
            n = sum(s.get("errors", 0) for s in ss)
            if n:
                errs[f"{fid}/{key}"] = n
    if errs:
        notes.append(f"client errors: {errs}")
    if site["record_layer"] == "kernel":
        for key in ("nginx", "ktla", "ktla_user"):
            ss = [s for fid, f in figs.items() if fid.startswith(("get_small", "bulk_")) and not fid.endswith("_kb")
                  for s in f["samples"].get(key, [])]
            if not ss:
                continue
            n_k = sum(1 for s in ss if s.get("ktls_tx_sw", 0) > 0)
            where = "kernel" if key != "ktla_user" else "user space"
            notes.append(f"{site['servers'][key]}: the kernel's TLS TX counter (TlsTxSw) grew during {n_k} of "
                         f"{len(ss)} wrk measurements (expected: {'all' if where == 'kernel' else 'none'}: "
                         f"record layer in {where}).")
        kb = [s for fid in ("get_small_kb", "bulk_16MiB_kb") for ss in figs.get(fid, {}).get("samples", {}).values()
              for s in ss]
        if kb:
            notes.append(f"ktla-bench's own record layer: kernel on {sum(s['client_kernel'] for s in kb)} "
                         f"connections, user space on {sum(s['client_user'] for s in kb)}.")
    mem = figs.get("mem_idle", {}).get("samples", {})
    if mem:
        notes.append("memory: RSS growth of the server's processes while the idle connections are held, after a "
                     "warm-up of 20; nginx allocates its connection table (2,048 slots per worker) at start, so "
                     "its growth leaves that out; kernel memory (socket buffers, kTLS state) is not in RSS.")
    for key, ss in mem.items():
        slab = median([s["slab_per_conn"] for s in ss])
        notes.append(f"memory, {site['servers'][key]}: RSS {fmt(median([s['rss_before'] for s in ss]), 'bytes')} "
                     f"before, kernel slab growth (whole system, both ends) {fmt(slab, 'bytes')} per connection.")
    notes += [f"ERROR: {e}" for e in site.get("errors", [])]
    return notes


def tuned_section(site):
    """ktla-serve and the bare server on mbedTLS builds made by bench/tuned-mbedtls, against nginx."""
    builds = list(site["settings"].get("mbedtls_builds", {}))
    if len(builds) < 2:
        return ""
    control, figs = builds[0], site["figures"]
    head = ["figure", "nginx", "ktla-serve (Debian's package)"] + [f"ktla-serve, {b} build" for b in builds] + \
        [f"{b} / {control} (ktla-serve)" for b in builds[1:]] + [f"ktla / nginx, {b} build" for b in builds] + \
        [f"bare, {b} build" for b in builds] + [f"{b} / {control} (bare)" for b in builds[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    gains = {}
    for fid in ("hs13_full", "hs13_resumed", "hs12_full", "hs12_resumed", "hs13_full_x4", "hs13_full_cpu",
                "hs13_resumed_cpu", "hs12_full_cpu", "hs12_resumed_cpu"):
        f = figs.get(fid)
        if not f or f"ktla_mbedtls_{control}" not in f["samples"]:
            continue
        row = [f["title"], cell(f, "nginx"), cell(f, "ktla")] + [cell(f, f"ktla_mbedtls_{b}") for b in builds]
        for b in builds[1:]:
            row.append(ratio_cell(f, f"ktla_mbedtls_{b}", f"ktla_mbedtls_{control}")[0])
        for b in builds:
            row.append(ratio_cell(f, f"ktla_mbedtls_{b}", "nginx")[0])
        row += [cell(f, f"bare_mbedtls_{b}") for b in builds]
        for b in builds[1:]:
            row.append(ratio_cell(f, f"bare_mbedtls_{b}", f"bare_mbedtls_{control}")[0])
            gains[(fid, b)] = ratio_cell(f, f"ktla_mbedtls_{b}", f"ktla_mbedtls_{control}")[1]
        lines.append("| " + " | ".join(row) + " |")
    text = ["\n".join(lines), ""]
    for b in builds[1:]:
        for fid, what in (("hs13_full", "TLS 1.3 full handshakes/s, 1 client"),
                          ("hs13_full_x4", "TLS 1.3 full handshakes/s, 4 clients"),
                          ("hs12_full", "TLS 1.2 full handshakes/s, 1 client")):
            g = gains.get((fid, b))
            if g:
                text.append(f"{what}: ktla-serve on the {b} build against nginx is {g:.2f}x its figure on the "
                            f"{control} build of the same source, in the same run "
                            f"({'meets' if g >= 1.3 else 'below'} issue 12's bar of 1.3x).")
    return "\n".join(text) + "\n"


def scaling_section(site):
    sc = site.get("scaling")
    if not sc:
        return ""
    figs = sc["figures"]
    lines = ["| figure | server | 1 worker | 2 workers | 2 / 1 | server CPU used (cores), 1 / 2 workers | "
             "clients' CPU (cores), 1 / 2 workers |", "|---|---|---|---|---|---|---|"]
    facts = {}
    for fid, f in figs.items():
        for srv in ("nginx", "ktla"):
            one, two = f["samples"].get(f"{srv}_1", []), f["samples"].get(f"{srv}_2", [])
            if not one or not two:
                continue
            m1, m2 = median([s["value"] for s in one]), median([s["value"] for s in two])
            wall = lambda ss: [s.get("wall_s") or s.get("measured_s") or 1 for s in ss]
            cores = lambda ss: median([s["server_cpu_s"] / w for s, w in zip(ss, wall(ss))])
            ccores = lambda ss: median([s["client_cpu_s"] / w for s, w in zip(ss, wall(ss))])
            facts[(fid, srv)] = (m2 / m1, cores(one), cores(two), ccores(one), ccores(two))
            name = "nginx" if srv == "nginx" else "ktla-serve"
            lines.append(f"| {f['title']} | {name} | {fmt(m1, f['unit'])} | {fmt(m2, f['unit'])} | "
                         f"**{m2 / m1:.2f}** | {cores(one):.2f} / {cores(two):.2f} | "
                         f"{ccores(one):.2f} / {ccores(two):.2f} |")
    text = "\n".join(lines)
    hs = facts.get(("hs13_full_x4", "ktla"))
    get = facts.get(("get_small", "ktla"))
    cpus = site["cpus"]
    busy = [s.get("machine_busy_cores") for f in figs.values() for ss in f["samples"].values() for s in ss
            if s.get("machine_busy_cores") is not None]
    used = [s["server_cpu_s"] / s["wall_s"] + s["client_cpu_s"] / s["wall_s"] for f in figs.values()
            for ss in f["samples"].values() for s in ss]
    other = median(busy) - median(used) if busy else None
    expl = [f"\nThis machine has {cpus} CPUs, shared by the servers and their clients."]
    if other is not None:
        expl.append(f"During these measurements the whole machine was busy {median(busy):.2f} cores of {cpus}, "
                    f"the server and its clients {median(used):.2f}: other work took about {max(other, 0):.2f}.")
    if hs:
        expl.append(
            f"With one worker, ktla-serve's handshakes use at most one core (here {hs[1]:.2f}, the s_time clients "
            f"{hs[3]:.2f}). A second worker gave {hs[0]:.2f}x, using {hs[2]:.2f} cores (clients {hs[4]:.2f}). "
            "Each worker has its own listener (SO_REUSEPORT) and runs its handshakes without a shared lock, so "
            "handshakes/s grow with workers while there is a free core for each; on two CPUs the clients need "
            "one of them, so the second worker can only gain what the clients and the machine's other work leave.")
    if get:
        expl.append(
            f"Small keep-alive GETs gained {get[0]:.2f}x (server {get[1]:.2f} -> {get[2]:.2f} cores, wrk "
            f"{get[3]:.2f} -> {get[4]:.2f}): a request costs the client (wrk: HTTP and TLS) about as much as the "
            "server, so with both on two CPUs the server cannot take a second core without taking it from wrk.")
    if other is not None and other > 0.3 * cpus:
        expl.append("**Here other work held a large share of the CPUs, so this curve shows the machine more than "
                    "the server: rerun on an idle machine (or with the clients on another one) to see the scaling.**")
    expl.append("nginx's rows, measured the same way in the same rounds, are the reference for what this "
                "machine allows.")
    return text + "\n" + " ".join(expl) + "\n"


def clients_section(sites):
    seen = {}
    for site in sites:
        for fid, f in site["figures"].items():
            seen.setdefault(f["title"], f["client"])
        for fid, f in site.get("scaling", {}).get("figures", {}).items():
            seen.setdefault(f["title"] + " (scaling)", f["client"])
    return "\n".join(f"| {t} | `{c}` |" for t, c in seen.items())


def charts(out, sites):
    """ratios.png (ktla-serve relative to nginx, per site) and throughput.png (MB/s against file size)."""
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode != 0:
        return ["gnuplot is missing: no charts (scripts/setup --bench installs it)"]
    made = []
    rows = []
    sites = [s for s in sites if s["site"] != "tuned"]  # the same servers as the host's, beside other builds
    every = set().union(*(s["figures"] for s in sites))
    for fid in figure_order(every):
        if fid == "hs13_full_sys":
            continue
        vals = []
        for site in sites:
            f = site["figures"].get(fid)
            r = median(paired_ratios(f, "ktla", "nginx")) if f else None
            if r is not None and f["better"] == "lower":
                r = 1 / r
            vals.append(r)
        if any(v is not None for v in vals):
            title = next(s["figures"][fid]["title"] for s in sites if fid in s["figures"])
            title = title.split(" (")[0] if fid == "mem_idle" else title
            rows.append((title, vals))
    # Horizontal bars from 1 to the ratio on a log scale: right of 1, ktla-serve is ahead.
    data = os.path.join(out, "ratios.dat")
    n_sites, height = len(sites), 0.8 / len(sites)
    with open(data, "w") as f:
        for i, (title, vals) in enumerate(rows):
            for j, v in enumerate(vals):
                if v is not None:
                    y = len(rows) - i + (n_sites - 1 - 2 * j) * height / 2
                    f.write(f"{j} {v:.4f} {y:.3f} {min(1, v):.4f} {max(1, v):.4f} {y - height / 2:.3f} "
                            f"{y + height / 2:.3f}\n")
            f.write("\n")
    ytics = ", ".join(f'"{short(t)}" {len(rows) - i}' for i, (t, _) in enumerate(rows))
    colors = ["#3366cc", "#dc3912", "#ff9900", "#109618"]
    cols = ", ".join(f"'{data}' using (($1=={j}) ? $2 : 1/0):3:4:5:6:7 with boxxyerror fs solid 0.8 "
                     f"lc rgb '{colors[j % 4]}' title '{SITE_TITLES.get(s['site'], s['site'])}'"
                     for j, s in enumerate(sites))
    script = f"""
set terminal pngcairo size 900,{160 + 34 * len(rows)} font 'sans,9'
set output '{out}/ratios.png'
set title 'ktla-serve relative to nginx + OpenSSL: right of 1, ktla-serve is ahead (lower-is-better figures inverted)'
set logscale x
set xrange [0.05:20]
set xtics (0.1, 0.2, 0.5, 1, 2, 5, 10)
set yrange [0.4:{len(rows) + 0.6}]
set ytics ({ytics})
set grid x
set key outside below
set arrow from 1, graph 0 to 1, graph 1 nohead lw 2 front
set lmargin 34
plot {cols}
"""
    made.append(gnuplot(script, "ratios.png"))
    # Throughput against file size.
    plots, panels = [], []
    for site in sites:
        series = {}
        for fid, f in site["figures"].items():
            if not fid.startswith("bulk_") or fid.endswith("_kb"):
                continue
            size = fid[5:]
            nbytes = int(size[:-3]) << (20 if size.endswith("MiB") else 10)
            for key, ss in f["samples"].items():
                series.setdefault(key, []).append((nbytes, median([s["value"] for s in ss])))
        if not series:
            continue
        lines = []
        for key, pts in series.items():
            path = os.path.join(out, f"throughput-{site['site']}-{key}.dat")
            with open(path, "w") as f:
                for n, v in sorted(pts):
                    f.write(f"{n / 1024:.0f} {v:.3f}\n")
            lines.append(f"'{path}' using 1:2 with linespoints lw 2 title '{site['servers'][key]}'")
        panels.append((SITE_TITLES.get(site["site"], site["site"]), ", ".join(lines)))
    if panels:
        body = "\n".join(f"set title '{t}'\nplot {p}" for t, p in panels)
        script = f"""
set terminal pngcairo size {520 * len(panels)},460 font 'sans,9'
set output '{out}/throughput.png'
set multiplot layout 1,{len(panels)}
set logscale x 2
set xlabel 'file size (KiB)'
set ylabel 'MB/s (wrk, 2 keep-alive connections)'
set yrange [0:*]
set grid
set key below
set bmargin 7
{body}
unset multiplot
"""
        made.append(gnuplot(script, "throughput.png"))
    return [m for m in made if m]


SHORT = {"handshakes/s": "hs/s", "resumed (ticket)": "resumed", "keep-alive GETs/s": "GETs/s",
         "server CPU seconds per GB served": "CPU s/GB", "server CPU per": "CPU per",
         "server memory per idle keep-alive connection": "memory per idle conn.", " (+ 1 small GET)": "",
         " files": "", " file": "", "handshake": "hs"}


def short(title):
    for a, b in SHORT.items():
        title = title.replace(a, b)
    return title


def gnuplot(script, name):
    r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    return f"gnuplot failed for {name}: {r.stderr.strip()}" if r.returncode else None


def profile_section(profile):
    if not profile:
        return ""
    return profile.get("markdown", "")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("sites", nargs="+")
    p.add_argument("--profile")
    p.add_argument("--profile-everest", help="profile.py's JSON for the Everest build (--tuned)")
    p.add_argument("--command", default="scripts/bench")
    p.add_argument("--duration", type=float)
    p.add_argument("--commit", default="")
    p.add_argument("--parts", help="JSON: seconds per part of the run")
    a = p.parse_args()
    sites = []
    for path in a.sites:
        with open(path) as f:
            sites.append(json.load(f))
    profile = None
    if a.profile and os.path.exists(a.profile):
        with open(a.profile) as f:
            profile = json.load(f)
    for s in sites:
        add_derived(s)
    problems = charts(a.out, sites)
    host = sites[0]
    loads = [s["load_start"] + s["load_end"] for s in sites]
    peak = max(max(l) for l in loads)
    under_load = peak > 0.5
    v = host["versions"]
    md = [f"# ktla-serve against nginx: benchmark report\n",
          f"`{a.command}`, started {host.get('started', time.strftime('%Y-%m-%d %H:%M:%S %Z'))}"
          + (f", commit {a.commit}" if a.commit else "")
          + (f", {a.duration / 60:.1f} minutes" if a.duration else "")
          + (" (" + ", ".join(f"{k} {v // 60}:{v % 60:02d}" for k, v in json.loads(a.parts).items()) + ")"
             if a.parts else "") + ".",
          f"Machine: {host['cpu_model']}, {host['cpus']} CPUs, kernel {host['kernel']}. "
          + "Load average (1/5/15 min) at the start and end of each part: "
          + "; ".join(f"{s['site']} {s['load_start'][0]:.2f}/{s['load_start'][1]:.2f}/{s['load_start'][2]:.2f}"
                      f" → {s['load_end'][0]:.2f}/{s['load_end'][1]:.2f}/{s['load_end'][2]:.2f}" for s in sites)
          + ".",
          ("**Measured under load**: other work was running on this machine (load average up to "
           f"{peak:.1f} on {host['cpus']} CPUs). The rounds alternate the servers, so the ratios are fairer "
           "than the absolute figures; rerun on a quiet machine for absolute figures.\n") if under_load else "",
          f"Servers: nginx {v['nginx']} with OpenSSL {v['openssl']} (Debian), ktla-serve {v['ktla']} on mbedTLS "
          f"{v['mbedtls']}, and on the host the bare mbedTLS server `bench/bare-server.c` (mbedTLS alone, "
          "configured like ktla: the bound ktla's handshake can reach). Same ECDSA P-256 certificate, same files, "
          "same clients, the same cipher suite (checked below); each server's worker count = CPUs. "
          "Every handshake figure is a new connection with one GET of a 1 KiB file (`s_time -www`, so that "
          "TLS 1.3 tickets arrive and can be resumed). "
          f"Each figure: the median of {host['settings']['rounds']} rounds, with the lowest and highest in small "
          "print; the servers' order alternates between rounds. Ratios are ktla-serve / nginx (median of the "
          "per-round ratios); \"ahead\" says who is better by more than 5 %.\n"]
    md.append("## Summary\n")
    md.append(summary_section(sites))
    for site in sites:
        md.append(f"## {SITE_TITLES.get(site['site'], site['site'])}\n")
        if site["site"] == "guest":
            md.append(f"Linux {site['kernel']} in QEMU with software emulation (one CPU): absolute figures are "
                      "slow; the ratios are what to read.\n")
        elif site["record_layer"] == "user":
            md.append(f"This kernel ({site['kernel']}) has no kTLS, so ktla-serve keeps the record layer in user "
                      "space (mbedTLS's AES-GCM) and nginx uses OpenSSL's.\n")
        md.append(site_table(site) + "\n")
        md.append("\n".join(f"- {n}" for n in checks(site)) + "\n")
        tuned = tuned_section(site)
        if tuned:
            md.append("### mbedTLS builds: Debian's configuration against a tuned one\n")
            md.append("Built from Debian trixie's source package by `bench/tuned-mbedtls` into the build tree "
                      "(never installed), with Debian's configuration changes and flags; the tuned build adds "
                      + ", ".join(f"`{b}`" for b in list(site['settings']['mbedtls_builds'])[1:])
                      + " (everest: `MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED`, Debian's cmake-disable-3rdparty "
                      "patch reverted; Everest's code is Apache-2.0 only). ktla is built against each in its own "
                      "build tree, and so is the bare server.\n")
            md.append(tuned)
        sc = scaling_section(site)
        if sc:
            md.append("### Scale on cores: 1 and 2 workers\n")
            md.append(sc)
    one = one_record_section(sites)
    if one:
        md.append("## Small responses in one record: keep-alive GETs/s of a 1 KiB file\n")
        md.append(one)
    md.append("## Charts\n")
    md.append("![ktla-serve relative to nginx](ratios.png)\n")
    md.append("![Throughput against file size](throughput.png)\n")
    md += [f"- {p}" for p in problems]
    prof = profile_section(profile)
    if prof:
        md.append(prof)
    if a.profile_everest and os.path.exists(a.profile_everest):
        with open(a.profile_everest) as f:
            ev = json.load(f)
        short_md = ev["markdown"].split("\nOne connection in the bare server")[0].split("\n", 1)[1]
        md.append("### The same with mbedTLS built with Everest (`--tuned`)\n")
        md.append(short_md)
    md.append("## Which client measured what\n")
    md.append("| figure | client |\n|---|---|\n" + clients_section(sites) + "\n")
    md.append("openssl s_time, wrk and curl are OpenSSL clients; `bench/tls_client.py` is Python's ssl module "
              "(OpenSSL); ktla-bench is ktla's mbedTLS client, whose record layer goes to the kernel where it can "
              "(the only client here that uses kTLS on its side). Raw samples: `results.json`.\n")
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("\n".join(x for x in md if x is not None) + "\n")
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"sites": sites, "profile": profile}, f, indent=1, default=str)
    for p_ in problems:
        print(f"report: {p_}")


if __name__ == "__main__":
    main()
