#!/usr/bin/env python3
"""report.py RESULTS_DIR SCALE NODES PODS: bench/run.sh's measurements -> the latest.json keys
(on stdout) and a human table (on stderr) with each figure's target, anchor and ratio."""
import json
import os
import sys

res, scale, nodes, pods = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def load(name):
    try:
        with open(os.path.join(res, name + ".json")) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return {}


def get(d, k):
    v = d.get(k)
    return v if isinstance(v, (int, float)) else None


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


seq, conc, watch, podsr = load("api_seq"), load("api_conc"), load("watch"), load("pods")
paced = load("pods_paced") or podsr
mem, gc, sched = load("memory"), load("gc"), load("sched")
npm = load("netpol_matrix")
dns, dns_answer = load("dns"), load("dns_answer")
petset = load("petset")
getr, list_ns, list_all = load("get"), load("list_ns"), load("list_all")
etcd_seq, etcd_conc, raw = load("etcd_seq"), load("etcd_conc"), load("sqlite_raw")
conc_full, conc_cluster = load("api_conc_full"), load("api_conc_cluster")
conc_etcd, pods_etcd = load("api_conc_etcd"), load("pods_etcd")
fill = load("pods_fill")
ks_kib = get(mem, "kubelet_sim_kib")
cp_kib = get(mem, "control_plane_kib")
cp_pss = get(mem, "control_plane_pss_kib")
out = {
    "scale": scale,
    "nodes": nodes,
    "pods": podsr.get("received", 0) if podsr else 0,
    "e2e_pods_per_s": get(podsr, "per_s"),
    "api_creates_per_s": get(conc, "per_s"),
    "api_create_p50_ms": get(seq, "p50_ms"),
    "api_create_p99_ms": get(seq, "p99_ms"),
    "api_create_p99_ms_under_load": get(conc_cluster, "p99_ms") or get(conc, "p99_ms"),
    "pod_startup_p50_ms": get(paced, "p50_ms"),
    "pod_startup_p99_ms": get(paced, "p99_ms"),
    "pod_startup_rate_per_s": get(paced, "rate"),
    "api_mutating_p99_ms_under_e2e": get(podsr, "create_p99_ms"),
    "get_p99_ms": get(getr, "p99_ms"),
    "list_namespace_pods": get(list_ns, "objects"),
    "list_namespace_p99_ms": get(list_ns, "p99_ms"),
    "list_all_pods": get(list_all, "objects"),
    "list_all_p99_ms": get(list_all, "p99_ms"),
    "watch_p99_ms": get(watch, "p99_ms"),
    "watch_after_reply_p99_ms": get(watch, "after_reply_p99_ms"),
    "watch_events_lost_undetected": get(watch, "lost"),
    "scheduler_decisions_per_s": get(sched, "per_s") or get(sched, "pods_per_s"),
    "kubelet_sim_kib_per_node": round(ks_kib / nodes, 1) if ks_kib and nodes else None,
    "control_plane_rss_mib": round(cp_kib / 1024, 1) if cp_kib else None,
    "control_plane_pss_mib": round(cp_pss / 1024, 1) if cp_pss else None,
    "etcd_puts_per_s": get(etcd_conc, "per_s"),
    "etcd_put_p50_ms": get(etcd_seq, "p50_ms"),
    "sqlite_raw_inserts_per_s": get(raw, "per_s"),
    "ratio_api_vs_etcd": ratio(get(conc, "per_s"), get(etcd_conc, "per_s")),
    "ratio_api_vs_sqlite_raw": ratio(get(conc, "per_s"), get(raw, "per_s")),
    "storage_sync": conc.get("storage_sync", "normal") if conc else None,
    "api_creates_per_s_full_sync": get(conc_full, "per_s"),
    "api_creates_per_s_in_cluster": get(conc_cluster, "per_s"),
    "ratio_api_full_vs_etcd": ratio(get(conc_full, "per_s"), get(etcd_conc, "per_s")),
    "api_creates_per_s_etcd_backend": get(conc_etcd, "per_s"),
    "e2e_pods_per_s_etcd_backend": get(pods_etcd, "per_s"),
    "e2e_etcd_backend_nodes": get(pods_etcd, "nodes"),
    "e2e_etcd_backend_pods": get(pods_etcd, "received"),
    "e2e_fill_pods": get(fill, "received"),
    "e2e_fill_pods_per_s": get(fill, "per_s"),
    "pods_in_cluster": get(list_all, "objects"),
    "gc_collect_10k_s": get(gc, "seconds"),
    "netpol_matrix_100x50_ms": get(npm, "ms"),
    "netpol_load_ms": get(npm, "load_ms"),
    "dns_services": get(dns, "services"),
    "dns_queries_per_s": get(dns, "qps"),
    "dns_answers_per_s_10k_inprocess": get(dns_answer, "answers_per_s"),
    "statefulset_parallel_100_s": get(petset, "parallel_s"),
    "statefulset_ordered_20_s": get(petset, "ordered_s"),
    "per_daemon_rss_kib": mem.get("per_daemon_kib"),
}
json.dump(out, sys.stdout, indent=2)
print()

rows = [
    ("API creates/s at 50 conns", out["api_creates_per_s"], ">= 1.5x etcd", "etcd here: %s/s" % out["etcd_puts_per_s"], out["ratio_api_vs_etcd"]),
    ("  in the running cluster", out["api_creates_per_s_in_cluster"], "-", "etcd here: %s/s" % out["etcd_puts_per_s"], ratio(out["api_creates_per_s_in_cluster"], out["etcd_puts_per_s"])),
    ("  with --storage-sync=full", out["api_creates_per_s_full_sync"], ">= etcd", "etcd here: %s/s" % out["etcd_puts_per_s"], out["ratio_api_full_vs_etcd"]),
    ("  on the etcd3 backend", out["api_creates_per_s_etcd_backend"], "-", "etcd here: %s/s" % out["etcd_puts_per_s"], ratio(out["api_creates_per_s_etcd_backend"], out["etcd_puts_per_s"])),
    ("API create p50 ms (1 conn)", out["api_create_p50_ms"], "<= 0.25", "etcd here: %s ms" % out["etcd_put_p50_ms"], ratio(out["etcd_put_p50_ms"], out["api_create_p50_ms"])),
    ("API create p99 ms (1 conn)", out["api_create_p99_ms"], "<= 10", "SLO 1 s", ratio(1000, out["api_create_p99_ms"])),
    ("raw SQLite inserts/s", out["sqlite_raw_inserts_per_s"], "-", "27,478/s measured", out["ratio_api_vs_sqlite_raw"]),
    ("watch p99 ms (10 watchers)", out["watch_p99_ms"], "<= 1", "none published", None),
    ("  of which after the reply", out.get("watch_after_reply_p99_ms"), "<= 1", "none published", None),
    ("watch events lost undetected", out["watch_events_lost_undetected"], "0", "-", None),
    ("e2e pods/s", out["e2e_pods_per_s"], ">= 1,000", "kube-scheduler 680-810/s", ratio(out["e2e_pods_per_s"], 810)),
    ("  on the etcd3 backend", out["e2e_pods_per_s_etcd_backend"], "-", "kube-scheduler 680-810/s", ratio(out["e2e_pods_per_s_etcd_backend"], 810)),
    ("pod startup p99 ms (at %s/s)" % out["pod_startup_rate_per_s"], out["pod_startup_p99_ms"], "<= 100", "SLO 5 s", ratio(5000, out["pod_startup_p99_ms"])),
    ("mutating p99 ms under e2e load", out["api_mutating_p99_ms_under_e2e"], "<= 10", "SLO 1 s", ratio(1000, out["api_mutating_p99_ms_under_e2e"])),
    ("GET p99 ms", out["get_p99_ms"], "<= 5", "SLO 1 s", ratio(1000, out["get_p99_ms"])),
    ("LIST ns (%s pods) p99 ms" % out["list_namespace_pods"], out["list_namespace_p99_ms"], "<= 100/3k", "SLO 5 s", ratio(5000, out["list_namespace_p99_ms"])),
    ("LIST all (%s pods) p99 ms" % out["list_all_pods"], out["list_all_p99_ms"], "<= 3000/150k", "SLO 30 s", ratio(30000, out["list_all_p99_ms"])),
    ("scheduler decisions/s", out["scheduler_decisions_per_s"], ">= 5,000", "810/s", ratio(out["scheduler_decisions_per_s"], 810)),
    ("kubelet-sim KiB/node", out["kubelet_sim_kib_per_node"], "<= 16", "kubemark ~220 MiB", ratio(220 * 1024, out["kubelet_sim_kib_per_node"])),
    ("control plane RSS MiB", out["control_plane_rss_mib"], "<= 1536", "k3s 1,596 MB", ratio(1596, out["control_plane_rss_mib"])),
    ("  PSS (shared pages counted once)", out["control_plane_pss_mib"], "-", "-", None),
    ("gc collect s", out["gc_collect_10k_s"], "-", "-", None),
    ("netpol matrix 100 pods/50 pol ms", out["netpol_matrix_100x50_ms"], "< 1000", "load alone: %s ms" % out["netpol_load_ms"], ratio(1000, out["netpol_matrix_100x50_ms"])),
    ("DNS queries/s (%s services)" % out["dns_services"], out["dns_queries_per_s"], "-", "-", None),
    ("DNS answers/s in-process (10k)", out["dns_answers_per_s_10k_inprocess"], "-", "-", None),
    ("StatefulSet 100 Parallel s", out["statefulset_parallel_100_s"], "-", "-", None),
    ("StatefulSet 20 OrderedReady s", out["statefulset_ordered_20_s"], "-", "-", None),
]
w = sys.stderr.write
w("\n%-32s %12s %12s %26s %8s\n" % ("figure (%s, %d nodes)" % (scale, nodes), "value", "target", "anchor", "ratio"))
for name, val, target, anchor, r in rows:
    w("%-32s %12s %12s %26s %8s\n" % (name, "-" if val is None else val, target, anchor, "-" if r is None else "%sx" % r))
