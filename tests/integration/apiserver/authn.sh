#!/usr/bin/env bash
# Authentication on the secure port (docs/security.md): TLS 1.2+ only, client certificates
# (CN user, O groups), --token-auth-file bearer tokens, 401 Status without credentials,
# --anonymous-auth, health probes open, impersonation headers, TokenReview and
# SelfSubjectReview; curl and the real kubectl (auth whoami) over HTTPS; the insecure port
# still serves loopback; start-up refusals (a bad token file, a public insecure port).
. "$(dirname "$0")/../../lib/lib.sh"

if ! command -v openssl >/dev/null; then
	skip "authn" "no openssl"
	exit 0
fi
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
P=$CK_TMP/pki
mkdir -p "$P"

# A CA, a server certificate for 127.0.0.1, a client certificate (CN jane, O devs and ops),
# and one from another CA.
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
gen() {
	openssl req -x509 "${EC[@]}" -keyout "$P/ca.key" -out "$P/ca.crt" -days 2 \
	    -subj /CN=ckube-test-ca &&
	openssl req -x509 "${EC[@]}" -keyout "$P/rogue.key" -out "$P/rogue.crt" \
	    -days 2 -subj /CN=rogue-ca &&
	openssl req "${EC[@]}" -keyout "$P/srv.key" -out "$P/srv.csr" \
	    -subj /CN=ckube-apiserver &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
	    >"$P/srv.ext" &&
	openssl x509 -req -in "$P/srv.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
	    -out "$P/srv.crt" -days 2 -extfile "$P/srv.ext" &&
	printf 'extendedKeyUsage=clientAuth\n' >"$P/cli.ext" &&
	openssl req "${EC[@]}" -keyout "$P/cli.key" -out "$P/cli.csr" \
	    -subj "/O=devs/O=ops/CN=jane" &&
	openssl x509 -req -in "$P/cli.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
	    -out "$P/cli.crt" -days 2 -extfile "$P/cli.ext" &&
	openssl req "${EC[@]}" -keyout "$P/evil.key" -out "$P/evil.csr" \
	    -subj "/O=system:masters/CN=admin" &&
	openssl x509 -req -in "$P/evil.csr" -CA "$P/rogue.crt" -CAkey "$P/rogue.key" \
	    -CAcreateserial -out "$P/evil.crt" -days 2 -extfile "$P/cli.ext"
}
if ! gen >"$CK_TMP/openssl.log" 2>&1; then
	not_ok "generate the test PKI" "$(tail -5 "$CK_TMP/openssl.log")"
	exit 1
fi
GOOD=s3cr3t-$RANDOM$RANDOM
printf '%s,alice,uid-alice,"dev,qa"\n' "$GOOD" >"$CK_TMP/tokens.csv"
printf 'other,bob,uid-bob\n' >>"$CK_TMP/tokens.csv"

# Start-up refusals: a bad token file names its line; a public insecure port with TLS.
printf 'a,b,c\nbroken,"x\n' >"$CK_TMP/bad.csv"
out=$("$CK_BIN/ckube-apiserver" --port 0 --secure-port 0 --data-dir "$CK_TMP/bad" \
    --tls-cert-file "$P/srv.crt" --tls-private-key-file "$P/srv.key" \
    --token-auth-file "$CK_TMP/bad.csv" 2>&1)
rc=$?
check "a bad token file stops the start, naming its line" \
    test "$rc" -ne 0 -a -n "$(grep 'line 2: a quoted field is not closed' <<<"$out")"
out=$("$CK_BIN/ckube-apiserver" --port 0 --secure-port 0 --data-dir "$CK_TMP/bad" \
    --bind-address 0.0.0.0 --tls-cert-file "$P/srv.crt" --tls-private-key-file "$P/srv.key" \
    2>&1)
rc=$?
check "a non-loopback insecure --bind-address with the secure port is refused" \
    test "$rc" -eq 2 -a -n "$(grep 'must be a loopback address' <<<"$out")"
out=$("$CK_BIN/ckube-apiserver" --port 0 --data-dir "$CK_TMP/bad" \
    --token-auth-file "$CK_TMP/tokens.csv" 2>&1)
check "--token-auth-file without the secure port is refused" \
    grep -q 'kubectl sends credentials only over HTTPS' <<<"$out"

# secure_up NAME [FLAGS]: the apiserver with the secure port; sets SP and SURL.
secure_up() {
	local name=$1
	shift
	start_apiserver "$name" --secure-port 0 --secure-port-file "$CK_TMP/$name.sport" \
	    --secure-bind-address 127.0.0.1 --tls-cert-file "$P/srv.crt" \
	    --tls-private-key-file "$P/srv.key" --client-ca-file "$P/ca.crt" \
	    --token-auth-file "$CK_TMP/tokens.csv" "$@" || return 1
	SP=$(cat "$CK_TMP/$name.sport")
	SURL=https://127.0.0.1:$SP
}
secure_up api || { not_ok "apiserver starts with the secure port"; exit 1; }
ok "apiserver starts with the secure port"

# s PATH [CURL ARGS]: HTTPS GET/POST, body then the code on the last line.
s() {
	local path=$1
	shift
	curl -s --cacert "$P/ca.crt" -w '\n%{http_code}' "$@" "$SURL$path"
}
last() { tail -n 1 <<<"$1"; }
body() { sed '$d' <<<"$1"; }
TOK=(-H "Authorization: Bearer $GOOD")
CERT=(--cert "$P/cli.crt" --key "$P/cli.key")

out=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SP/healthz")
check "plain HTTP to the secure port gets no HTTP answer" test "$out" = 000
out=$(openssl s_client -connect "127.0.0.1:$SP" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
    </dev/null 2>&1)
check "TLS 1.1 is refused" grep -q 'Cipher is (NONE)' <<<"$out"
out=$(openssl s_client -connect "127.0.0.1:$SP" -tls1_2 </dev/null 2>&1)
check "TLS 1.2 is accepted" grep -q 'New, TLSv1.2, Cipher is' <<<"$out"

out=$(s /api/v1/namespaces)
expect "no credentials: 401" 401 "$(last "$out")"
expect "the 401 is a Kubernetes Status" \
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}' \
    "$(body "$out")"
for p in /healthz /livez /readyz; do
	out=$(s $p)
	expect "$p answers without credentials" "ok 200" "$(body "$out") $(last "$out")"
done
expect "/metrics needs credentials" 401 "$(last "$(s /metrics)")"
expect "/version needs credentials" 401 "$(last "$(s /version)")"
out=$(s /api/v1/namespaces "${TOK[@]}")
expect "a valid token: 200" 200 "$(last "$out")"
expect "a wrong token: 401" 401 "$(last "$(s /api/v1/namespaces -H 'Authorization: Bearer nope')")"
expect "a basic header is no credential: 401" 401 \
    "$(last "$(s /api/v1/namespaces -H 'Authorization: Basic YWxpY2U6eA==')")"
expect "a client certificate: 200" 200 "$(last "$(s /api/v1/namespaces "${CERT[@]}")")"
expect "a certificate of another CA: 401" 401 \
    "$(last "$(s /api/v1/namespaces --cert "$P/evil.crt" --key "$P/evil.key")")"
out=$(s '/api/v1/namespaces?watch=1&timeoutSeconds=1' "${TOK[@]}")
check "a watch streams over HTTPS" grep -q '"type":"ADDED"' <<<"$out"
expect "an unauthenticated watch: 401" 401 "$(last "$(s '/api/v1/namespaces?watch=1')")"
out=$(s /api/v1/namespaces -X POST -H 'Content-Type: application/json' \
    -d '{"metadata":{"name":"nope"}}')
expect "an unauthenticated create: 401 and nothing made" "401 404" \
    "$(last "$out") $(last "$(s /api/v1/namespaces/nope "${TOK[@]}")")"

SSR=/apis/authentication.k8s.io/v1/selfsubjectreviews
J=(-H 'Content-Type: application/json')
whoami() { body "$(s $SSR -X POST "${J[@]}" -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' "$@")" | json 'd["status"]["userInfo"]'; }
expect "SelfSubjectReview of a token" \
    '{"username": "alice", "uid": "uid-alice", "groups": ["dev", "qa", "system:authenticated"]}' \
    "$(whoami "${TOK[@]}")"
expect "SelfSubjectReview of a certificate" \
    '{"username": "jane", "groups": ["devs", "ops", "system:authenticated"]}' \
    "$(whoami "${CERT[@]}")"
expect "impersonating a user and groups" \
    '{"username": "bob", "uid": "u-7", "groups": ["g1", "g2", "system:authenticated"]}' \
    "$(whoami "${TOK[@]}" -H 'Impersonate-User: bob' -H 'Impersonate-Group: g1' \
        -H 'Impersonate-Group: g2' -H 'Impersonate-Uid: u-7')"
expect "impersonating a service account" \
    '{"username": "system:serviceaccount:kube-system:robot", "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]}' \
    "$(whoami "${CERT[@]}" -H 'Impersonate-User: system:serviceaccount:kube-system:robot')"
out=$(s $SSR -X POST "${J[@]}" -d '{}' "${TOK[@]}" -H 'Impersonate-Group: g1')
expect "a group without a user to impersonate: 400" \
    "400 requested groups without impersonating a user" \
    "$(last "$out") $(body "$out" | json 'd["message"]')"
expect "impersonation needs authentication first" 401 \
    "$(last "$(s $SSR -X POST "${J[@]}" -d '{}' -H 'Impersonate-User: bob')")"

TR=/apis/authentication.k8s.io/v1/tokenreviews
tr() { body "$(s $TR -X POST "${J[@]}" "${CERT[@]}" -d "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$1\"}}")" | json 'd["status"]'; }
expect "TokenReview of a good token" \
    '{"authenticated": true, "user": {"username": "alice", "uid": "uid-alice", "groups": ["dev", "qa", "system:authenticated"]}}' \
    "$(tr "$GOOD")"
expect "TokenReview of a bad token" '{"user": {}, "error": "invalid bearer token"}' "$(tr nope)"
out=$(s $TR -X POST "${J[@]}" "${CERT[@]}" -d '{"spec":{}}')
expect "TokenReview without a token: 400" \
    "400 token is required for TokenReview in authentication" \
    "$(last "$out") $(body "$out" | json 'd["message"]')"

# The insecure port: loopback, no authentication, the insecure superuser.
out=$(api POST $SSR -H 'Content-Type: application/json' -d '{}')
expect "the insecure port still serves loopback, as system:unsecured" \
    "201 system:unsecured" "$(code) $(echo "$out" | json 'd["status"]["userInfo"]["username"]')"

# The real kubectl over HTTPS: a token kubeconfig, a certificate one, a wrong token.
if [ -x "$KUBECTL" ]; then
	kc() {
		local f=$CK_TMP/kc-$1
		shift
		"$KUBECTL" --kubeconfig="$f" config set-cluster c --server="$SURL" \
		    --certificate-authority="$P/ca.crt" --embed-certs >/dev/null &&
		"$KUBECTL" --kubeconfig="$f" config set-credentials u "$@" >/dev/null &&
		"$KUBECTL" --kubeconfig="$f" config set-context x --cluster=c --user=u >/dev/null &&
		"$KUBECTL" --kubeconfig="$f" config use-context x >/dev/null
	}
	kc tok --token="$GOOD"
	kc bad --token=wrong
	kc cert --client-certificate="$P/cli.crt" --client-key="$P/cli.key" --embed-certs
	k() { local f=$1; shift; "$KUBECTL" --kubeconfig="$CK_TMP/kc-$f" \
	    --cache-dir="$CK_TMP/kcache-$f" "$@" 2>&1; }
	out=$(k tok get ns -o name)
	check "kubectl with a token lists namespaces" grep -q '^namespace/default$' <<<"$out"
	out=$(k tok auth whoami)
	check "kubectl auth whoami (token) prints alice" \
	    grep -Eq '^Username +alice$' <<<"$out"
	check "kubectl auth whoami (token) prints the uid and groups" \
	    grep -Eq '^Groups +\[dev qa system:authenticated\]$' <<<"$out"
	out=$(k cert auth whoami)
	check "kubectl auth whoami (certificate) prints the CN user" \
	    grep -Eq '^Username +jane$' <<<"$out"
	check "kubectl auth whoami (certificate) prints the O groups" \
	    grep -Eq '^Groups +\[devs ops system:authenticated\]$' <<<"$out"
	out=$(k cert create configmap authn-cm --from-literal=a=b)
	expect "kubectl with a certificate creates a configmap" "configmap/authn-cm created" "$out"
	out=$(k cert --as=bob --as-group=ops auth whoami)
	check "kubectl --as/--as-group impersonates" \
	    grep -Eq '^Username +bob$' <<<"$out"
	out=$(k bad auth whoami)
	check "kubectl with a wrong token: Unauthorized" \
	    grep -q 'error: You must be logged in to the server (Unauthorized)' <<<"$out"
else
	skip "kubectl over HTTPS" "no $KUBECTL"
fi

check "the tokens never reach the log" test "$(grep -c -e "$GOOD" -e wrong "$API_LOG")" = 0

# --anonymous-auth: no credentials is system:anonymous; a wrong token stays 401.
stop_apiserver
secure_up anon --anonymous-auth || { not_ok "apiserver starts with --anonymous-auth"; exit 1; }
expect "anonymous: a request without credentials is served" 200 "$(last "$(s /api)")"
expect "anonymous: SelfSubjectReview" \
    '{"username": "system:anonymous", "groups": ["system:unauthenticated"]}' "$(whoami)"
expect "anonymous: a wrong token is still 401" 401 \
    "$(last "$(s /api -H 'Authorization: Bearer nope')")"
expect "anonymous: a valid token is still its user" \
    '{"username": "alice", "uid": "uid-alice", "groups": ["dev", "qa", "system:authenticated"]}' \
    "$(whoami "${TOK[@]}")"
finish
