#!/usr/bin/env bats
# tls.bats - an image host guest checks TLS with the host's CA store.
# The CA is the test's own, added to the host's store only inside a mount
# namespace the test makes (a bind mount over /etc/ssl/certs); the server
# runs in a namespace that plays the internet.

load helpers

setup() {
	pool_env
	test_world
	PKI="$BATS_TEST_TMPDIR/pki"
	mkdir -p "$PKI"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=pool test CA $$" \
		-keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=198.51.100.2" \
		-keyout "$PKI/srv.key" -out "$PKI/srv.csr" 2>/dev/null
	printf 'subjectAltName=IP:198.51.100.2\n' >"$PKI/ext"
	openssl x509 -req -in "$PKI/srv.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
		-CAcreateserial -days 2 -extfile "$PKI/ext" -out "$PKI/srv.pem" 2>/dev/null
	cd "$PKI"
	ip netns exec "$I" openssl s_server -quiet -accept 198.51.100.2:4443 \
		-cert "$PKI/srv.pem" -key "$PKI/srv.key" -WWW >/dev/null 2>&1 &
	SRV=$!
	cd - >/dev/null
	echo "secret page $$" >"$PKI/page"
	# The host's CA store with the test's CA added: the bundle and a
	# hashed link, as update-ca-certificates would make them.
	CERTS="$BATS_TEST_TMPDIR/certs"
	cp -a /etc/ssl/certs "$CERTS"
	cp "$PKI/ca.pem" "$CERTS/pool-test-ca.pem"
	cat "$PKI/ca.pem" >>"$CERTS/ca-certificates.crt"
	ln -s pool-test-ca.pem "$CERTS/$(openssl x509 -hash -noout -in "$PKI/ca.pem").0"
	SPEC="$BATS_TEST_TMPDIR/m.yaml"
	printf 'name: tls\nimage: host\nmemory: 512M\naddress: 10.0.0.7\nnetwork: nat\n' >"$SPEC"
	wait_for 10 ip netns exec "$I" bash -c 'exec 3<>/dev/tcp/198.51.100.2/4443' 2>/dev/null
}

teardown() {
	kill "$SRV" 2>/dev/null || true
	wait "$SRV" 2>/dev/null || true
	net_world_del "$H" "$I"
}

# Run pool in the host namespace, with STORE bound over /etc/ssl/certs.
pool_with_store() {	# pool_with_store STORE ARGS...
	local store="$1"
	shift
	ip netns exec "$H" unshare -m sh -c 'mount --bind "$1" /etc/ssl/certs && shift && exec "$@"' \
		sh "$store" "$POOL_BIN" "$@"
}

@test "an image host guest verifies a server signed by a CA in the host's store" {
	run --separate-stderr pool_with_store "$CERTS" run "$SPEC" -- \
		curl -sS --max-time 20 "https://198.51.100.2:4443/page"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "secret page $$" ]
}

@test "without that CA in the host's store the same fetch fails verification (the control)" {
	run --separate-stderr pool_with_store /etc/ssl/certs run "$SPEC" -- \
		curl -sS --max-time 20 "https://198.51.100.2:4443/page"
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"certificate"* ]]
	[[ "$output" != *"secret page"* ]]
}

@test "the guest's CA store is the host's, and the host's private keys are not in it" {
	run --separate-stderr pool_with_store "$CERTS" run "$SPEC" -- sh -c \
		'ls /etc/ssl; test -f /etc/ssl/certs/ca-certificates.crt && echo bundle;
		 test -e /etc/ssl/certs/pool-test-ca.pem && echo ours; test -e /etc/ssl/private && echo private;
		 test -e /usr/lib/ssl/certs/ca-certificates.crt && echo usr-lib-ssl'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *bundle* ]]
	[[ "$output" == *ours* ]]
	[[ "$output" == *usr-lib-ssl* ]]
	[[ "$output" != *private* ]]
}
