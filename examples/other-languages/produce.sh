#!/usr/bin/env sh
# Publishing Sluice tasks without Node: any client that can XADD the wire-format fields.
# Usage: examples/other-languages/produce.sh [redis-cli args, e.g. -u redis://127.0.0.1:6379] 
set -eu
PREFIX="${SLUICE_PREFIX:-sluice}"
redis-cli "$@" XADD "$PREFIX:{orders}" '*' v 1 data '{"orderId":1001,"total":12.5}' key customer-3
redis-cli "$@" XADD "$PREFIX:{orders}" '*' v 1 data '{"orderId":1002,"total":7}' h '{"source":"shell"}'
