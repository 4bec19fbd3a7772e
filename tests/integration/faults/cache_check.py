#!/usr/bin/env python3
"""cache_check.py URL RUN_DIR STATE REQUIRED: compare each daemon's informer
caches with the apiserver.

Every daemon of a local cluster (RUN_DIR/<name>.port, the apiserver aside)
publishes, after each list or verify of its informers,
ckube_informer_cache_objects{resource="R"} and
ckube_informer_cache_digest{resource="R"} (common/cache.c: XOR of FNV-1a 64
of "namespace/name@resourceVersion", 48 bits). This LISTs R and computes the
same. A (daemon, resource) pair that matched once is recorded in STATE (a
resource that keeps changing may match only between two changes). Exits 0
once every pair whose resource is in REQUIRED (comma-separated) matched;
prints the pairs still apart and the number of pairs seen.

Daemons whose pods cache is filtered (docs/architecture.md "A daemon caches
only the objects it reconciles") are compared with the LIST of what their
filter keeps, computed here by the same rules (WANT).
"""
import glob
import http.client
import json
import os
import re
import sys
import urllib.parse

GAUGE = re.compile(r'^ckube_informer_cache_(objects|digest)\{resource="([^"]+)"\} (\S+)$')


def get(url, path):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        raise OSError("GET %s: %d" % (path, r.status))
    return body


def controller_kind(o):
    """The kind of o's controller, "" for one without a kind, None: an orphan."""
    for r in o["metadata"].get("ownerReferences") or []:
        if r.get("controller"):
            return r.get("kind", "")
    return None


def labels_of(o):
    return o["metadata"].get("labels") or {}


def label_selector_matches(sel, labels):
    """A LabelSelector (None: nothing, {}: everything)."""
    if sel is None:
        return False
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        k, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(k) not in vals:
            return False
        if op == "NotIn" and k in labels and labels[k] in vals:
            return False
        if op == "Exists" and k not in labels:
            return False
        if op == "DoesNotExist" and k in labels:
            return False
    return True


def same_ns(a, b):
    return a["metadata"].get("namespace", "") == b["metadata"].get("namespace", "")


def owned(kind, primary):
    """watch_spec.owned_only: controlled by kind, or an orphan a primary selects."""
    def want(o, lister):
        k = controller_kind(o)
        if k is not None:
            return k == kind
        return any(same_ns(o, p) and (p.get("spec") or {}).get("selector") and
                   label_selector_matches(p["spec"]["selector"], labels_of(o))
                   for p in lister.items(primary))
    return want


def selected_by_service(o, lister):
    return any(same_ns(o, s) and (s.get("spec") or {}).get("selector") and
               all(labels_of(o).get(k) == v for k, v in s["spec"]["selector"].items())
               for s in lister.items("services"))


def selected_by_budget(o, lister):
    return any(same_ns(o, b) and
               label_selector_matches((b.get("spec") or {}).get("selector"), labels_of(o))
               for b in lister.items("poddisruptionbudgets.policy"))


def rs_or_rc_pod(o, lister):
    """The replicaset-controller's: controlled by an RS or RC, or an orphan one selects."""
    k = controller_kind(o)
    if k is not None:
        return k in ("ReplicaSet", "ReplicationController")
    if owned("ReplicaSet", "replicasets.apps")(o, lister):
        return True
    for rc in lister.items("replicationcontrollers"):
        spec = rc.get("spec") or {}
        sel = spec.get("selector") or ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        if same_ns(o, rc) and sel and all(labels_of(o).get(k) == v for k, v in sel.items()):
            return True
    return False


def namespace_has_quota(o, lister):
    return any(same_ns(o, q) for q in lister.items("resourcequotas"))


WANT = {
    ("job-controller", "pods"): owned("Job", "jobs.batch"),
    ("petset-controller", "pods"): owned("StatefulSet", "statefulsets.apps"),
    ("daemonset-controller", "pods"): owned("DaemonSet", "daemonsets.apps"),
    ("deployment-controller", "pods"): owned("ReplicaSet", "deployments.apps"),
    ("replicaset-controller", "pods"): rs_or_rc_pod,
    ("endpoints-controller", "pods"): selected_by_service,
    ("disruption-controller", "pods"): selected_by_budget,
    ("resourcequota-controller", "pods"): namespace_has_quota,
}


def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xffffffffffffffff
    return h & 0xffffffffffff


class Lister:
    def __init__(self, url):
        self.url = url
        self.groups = {}
        for g in json.loads(get(url, "/apis")).get("groups", []):
            self.groups[g["name"]] = g["preferredVersion"]["version"]
        self.lists = {}

    def items(self, resource):
        if resource not in self.lists:
            plural, _, group = resource.partition(".")
            path = ("/api/v1/%s" % plural if not group else
                    "/apis/%s/%s/%s" % (group, self.groups.get(group, "v1"), plural))
            self.lists[resource] = json.loads(get(self.url, path))["items"]
        return self.lists[resource]

    def digest(self, resource, want=None):
        items = [o for o in self.items(resource) if want is None or want(o, self)]
        d = 0
        for o in items:
            m = o["metadata"]
            d ^= fnv("%s/%s@%s" % (m.get("namespace", ""), m["name"], m["resourceVersion"]))
        return len(items), d


def main(url, run_dir, state_path, required):
    required = set(r for r in required.split(",") if r)
    matched = set()
    if os.path.exists(state_path):
        matched = set(json.load(open(state_path)))
    lister = Lister(url)
    pairs, apart = [], []
    for pf in sorted(glob.glob(os.path.join(run_dir, "*.port"))):
        name = os.path.basename(pf)[:-5]
        if name in ("apiserver", "dns-server"):
            continue
        try:
            text = get("http://127.0.0.1:%s" % open(pf).read().strip(), "/metrics").decode()
        except (OSError, ValueError):
            continue
        g = {}
        for line in text.splitlines():
            m = GAUGE.match(line)
            if m:
                g.setdefault(m.group(2), {})[m.group(1)] = int(float(m.group(3)))
        for res, v in sorted(g.items()):
            key = "%s %s" % (name, res)
            pairs.append(key)
            if key in matched:
                continue
            try:
                n, d = lister.digest(res, WANT.get((name, res)))
            except (OSError, ValueError):
                apart.append("%s (cannot list)" % key)
                continue
            if v.get("objects") == n and v.get("digest") == d:
                matched.add(key)
            else:
                apart.append("%s: cache %s objects, list %d" % (key, v.get("objects"), n))
    json.dump(sorted(matched), open(state_path, "w"))
    missing = [p for p in apart if p.split(" ")[1].rstrip(":") in required]
    print("pairs=%d matched=%d apart: %s" % (len(pairs), len(matched), "; ".join(apart) or "none"))
    needed = [p for p in pairs if p.split(" ")[1] in required]
    return 0 if needed and not missing else 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
