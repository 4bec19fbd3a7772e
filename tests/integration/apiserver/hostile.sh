#!/usr/bin/env bash
# hostile.sh: hostile HTTP bodies and headers (issue 16): a 100 MiB body is a
# 413 with the body read and dropped (memory flat), nesting past 100 levels a
# 400 naming the limit (also past cJSON's own 1,000), invalid UTF-8 a 400
# (Go's decoder would store U+FFFD instead; ckube refuses, docs/reliability.md),
# thousands of headers or a 1 MiB header a 431; /healthz answers after each.
. "$(dirname "$0")/../../lib/lib.sh"

H="python3 $(dirname "$0")/hostile.py"
J='Content-Type: application/json'
NS=/api/v1/namespaces/default
start_apiserver api || { not_ok "apiserver starts"; exit 1; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$API_PID/status"; }
healthz() { expect "$1: /healthz still answers" 200 "$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$API_URL/healthz")"; }
bounded() {	# NAME RSS_BEFORE: the apiserver grew by less than 32 MiB
	local after
	after=$(rss)
	echo "# $1: RSS ${2} -> ${after} KiB"
	expect "$1: memory bounded (RSS +32 MiB at most)" yes \
	    "$([ $((after - $2)) -lt 32768 ] && echo yes || echo "no: ${2} -> ${after} KiB")"
}

# --- a 100 MiB body, announced and chunked
for mode in length chunked; do
	r0=$(rss)
	extra=()
	[ $mode = chunked ] && extra=(chunked)
	out=$($H body "$API_PORT" 100 "${extra[@]}")
	expect "100 MiB body ($mode): 413, the whole body read" "413 sent=100 closed=0" "$out"
	bounded "100 MiB body ($mode)" "$r0"
	healthz "100 MiB body ($mode)"
done

# --- nesting
deep() { python3 -c 'import sys; n=int(sys.argv[1]); print("{\"metadata\":{\"name\":\"deep\"},\"data\":" + "{\"a\":"*n + "1" + "}"*(n+1))' "$1"; }
deep 200 >"$CK_TMP/deep.json"
out=$(api POST $NS/configmaps -H "$J" --data-binary @"$CK_TMP/deep.json")
expect "200 levels of nesting: 400 naming the limit" "400 the body is nested deeper than 100 levels" \
    "$(code) $(json 'd["message"]' <<<"$out")"
head -c 1000000 /dev/zero | tr '\0' '[' >"$CK_TMP/deep2.json"
out=$(api POST $NS/configmaps -H "$J" --data-binary @"$CK_TMP/deep2.json")
expect "1,000,000 open brackets: 400 naming the limit" "400 the body is nested deeper than 100 levels" \
    "$(code) $(json 'd["message"]' <<<"$out")"
out=$(api PATCH $NS/configmaps/deep -H 'Content-Type: application/merge-patch+json' --data-binary @"$CK_TMP/deep2.json")
expect "a deep merge patch: 400 naming the limit" "400 the body is nested deeper than 100 levels" \
    "$(code) $(json 'd["message"]' <<<"$out")"
api GET $NS/configmaps/deep >/dev/null
expect "deep bodies: nothing stored" 404 "$(code)"
healthz "deep bodies"

# --- invalid UTF-8 in JSON strings: refused, never stored
api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"u"},"data":{"a":"ok"}}' >/dev/null
utf8() {	# NAME METHOD PATH CONTENT-TYPE PRINTF-BODY
	printf "$5" >"$CK_TMP/u.body"
	out=$(api "$2" "$3" -H "Content-Type: $4" --data-binary @"$CK_TMP/u.body")
	expect "invalid UTF-8 ($1): 400" "400 the request body is not valid UTF-8" \
	    "$(code) $(json 'd["message"]' <<<"$out")"
}
utf8 "create, a value" POST $NS/configmaps application/json '{"metadata":{"name":"u2"},"data":{"a":"x\xff\xfey"}}'
utf8 "create, a key" POST $NS/configmaps application/json '{"metadata":{"name":"u2"},"data":{"\xc0\xaf":"y"}}'
utf8 "PUT, a surrogate" PUT $NS/configmaps/u application/json '{"metadata":{"name":"u"},"data":{"a":"\xed\xa0\x80"}}'
utf8 "merge patch, a cut sequence" PATCH $NS/configmaps/u application/merge-patch+json '{"data":{"a":"\xe2\x82"}}'
utf8 "YAML" POST $NS/configmaps application/yaml 'metadata:\n  name: u2\ndata:\n  a: "x\xffy"\n'
out=$(api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"u2"},"data":{"a":"\udcff"}}')
expect "a lone surrogate escape (\\udcff): 400" 400 "$(code)"
api GET $NS/configmaps/u2 >/dev/null
expect "invalid UTF-8: nothing created" 404 "$(code)"
expect "invalid UTF-8: the object unchanged" ok "$(api GET $NS/configmaps/u | json 'd["data"]["a"]')"
out=$(api POST $NS/configmaps -H "$J" -d '{"metadata":{"name":"u3"},"data":{"a":"\u00e9\ud83d\ude00 é"}}')
expect "valid escapes and UTF-8 are kept" "201 é😀 é" "$(code) $(json 'd["data"]["a"]' <<<"$out")"

# --- header floods
for spec in "5000 20:5,000 headers" "1 1048576:one 1 MiB header" "200 1000:200 headers of 1 KB"; do
	r0=$(rss)
	expect "${spec#*:}: 431" 431 "$($H headers "$API_PORT" ${spec%%:*})"
	bounded "${spec#*:}" "$r0"
done
expect "50 headers: answered" 200 "$($H headers "$API_PORT" 50 20)"
healthz "header floods"
stop_apiserver
finish
