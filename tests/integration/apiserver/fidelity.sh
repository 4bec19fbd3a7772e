#!/usr/bin/env bash
# API fidelity that real clients trip on (issue 15): query parameters parsed
# as kube-apiserver parses them (the Python client's watch=True), protected
# namespaces, Secret/ConfigMap typing and size, Status details, dry run,
# defaults and managedFields, driven by kubectl, the Python client and curl.
. "$(dirname "$0")/../../lib/lib.sh"

KUBECTL=${KUBECTL:-/usr/bin/kubectl}
PY=${CK_PYTHON:-/usr/bin/python3}
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
k() { "$KUBECTL" --server="$API_URL" --cache-dir="$CK_TMP/kcache" "$@"; }
has_kubectl() { [ -x "$KUBECTL" ]; }
msg() { json 'd.get("message")'; }
CM=/api/v1/namespaces/default/configmaps

# --- query parameters
out=$("$PY" "$(dirname "$0")/py_watch.py" "$API_URL" default 2>&1)
if [ $? = 3 ]; then
	skip "python client watch sees ADDED events" "no kubernetes module"
else
	expect "python client watch sees ADDED events" "ADDED py-a ADDED py-b" "$(echo $out)"
fi
api GET "$CM?watch=1&timeoutSeconds=1" >/dev/null
expect "watch=1 streams" 200 "$(code)"
out=$(api GET "$CM?watch=False")
expect "watch=False is a list" ConfigMapList "$(json 'd["kind"]' <<<"$out")"
out=$(api GET "$CM?limit=abc")
expect "limit=abc: 400" 400 "$(code)"
expect "limit=abc: ParseInt message" 'strconv.ParseInt: parsing "abc": invalid syntax' "$(msg <<<"$out")"
out=$(api GET "$CM?timeoutSeconds=1e3&watch=true")
expect "timeoutSeconds=1e3: 400" "400 strconv.ParseInt: parsing \"1e3\": invalid syntax" "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?resourceVersion=abc")
expect "list resourceVersion=abc: 400" "400 invalid resource version: resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax" "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?resourceVersion=-1&watch=1")
expect "watch resourceVersion=-1: 400" 400 "$(code)"
out=$(api GET "$CM?resourceVersionMatch=Exact")
expect "resourceVersionMatch without resourceVersion: 422" \
    "422 ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided" \
    "$(code) $(msg <<<"$out")"
out=$(api GET "$CM?resourceVersionMatch=Bogus&resourceVersion=1")
check "resourceVersionMatch=Bogus: Unsupported value" grep -q 'Unsupported value: \\"Bogus\\"' <<<"$out"
# --- protected namespaces; Status details
if has_kubectl; then
	out=$(k delete ns default 2>&1)
	expect "kubectl delete ns default: Forbidden" \
	    'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted' "$out"
	for n in kube-system kube-public kube-node-lease; do
		api DELETE "/api/v1/namespaces/$n" >/dev/null
		expect "delete ns $n: 403" 403 "$(code)"
	done
	expect "default is still Active" Active "$(k get ns default -o jsonpath='{.status.phase}' 2>&1)"
	k run dbg --image=nginx >/dev/null 2>&1
	out=$(k debug dbg --image=busybox 2>&1)
	check "kubectl debug POD does not panic on our 404" \
	    grep -q 'ephemeral containers are disabled for this cluster' <<<"$out"
else
	skip "protected namespaces, kubectl debug" "no $KUBECTL"
fi
out=$(api GET /api/v1/namespaces/default/pods/nosuch)
expect "404 of an object: details" '{"name": "nosuch", "kind": "pods"}' "$(json 'd.get("details")' <<<"$out")"
out=$(api GET /api/v1/nosuchresource)
expect "404 of an unknown path: empty details" '{}' "$(json 'd.get("details")' <<<"$out")"

finish
