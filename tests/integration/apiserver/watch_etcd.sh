#!/usr/bin/env bash
# watch.sh with the apiserver on the etcd3 backend (CKUBE_TEST_STORAGE=etcd3:
# tests/lib/lib.sh starts one etcd for it): the commit hook is fed by the
# etcd watch, so ordering, selectors, resume, bookmarks and 410 after
# compaction are checked through it.
if [ ! -x /usr/bin/etcd ]; then
	echo "ok - watch.sh on etcd # SKIP /usr/bin/etcd is not installed"
	exit 0
fi
CKUBE_TEST_STORAGE=etcd3 exec bash "$(dirname "$0")/watch.sh"
