#!/usr/bin/env bash
# Large JSON lists: read from the store as they are sent, chunked
# (apiserver/list_stream.c), byte for byte what the buffered paths give
# (pages, a selector, one GET per object). The checks are list_bytes.py's.
. "$(dirname "$0")/../../lib/lib.sh"

start_apiserver api || { not_ok "apiserver starts"; exit 1; }
ok "apiserver starts"
python3 "$(dirname "$0")/list_bytes.py" "$API_PORT" || not_ok "list_bytes.py: every check passes"
finish
