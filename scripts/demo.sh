#!/usr/bin/env bash
# The main job: bring the brokers up, then move a generated file through each broker with the
# CLI's `send` and `receive`, printing the rate and the verified SHA-256 on both sides.
#   DEMO_MIB=300 (size of the generated file), DEMO_ENDPOINTS="name=url ..." to choose endpoints.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/brokers.sh up
[ -f dist/cli.js ] && [ -z "$(find src -newer dist/cli.js -name '*.ts' | head -1)" ] || npm run --silent build >/dev/null

size_mib=${DEMO_MIB:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "generating ${size_mib} MiB of random data"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/demo.bin"
want=$(sha256sum "$work/demo.bin" | cut -d' ' -f1)
echo "source sha256 $want"

endpoints=${DEMO_ENDPOINTS:-"activemq/tcp=tcp://127.0.0.1:61613 rabbitmq/tcp=tcp://127.0.0.1:61623 rabbitmq/ws=ws://127.0.0.1:15674/ws activemq/ws=ws://127.0.0.1:61614"}
export STOMP_STREAMS_LOGIN=guest STOMP_STREAMS_PASSCODE=guest
status=0
for ep in $endpoints; do
  name=${ep%%=*}; url=${ep#*=}
  dest="/queue/demo.$(date +%s%N)"
  out="$work/out-${name//\//-}"
  echo "== $name ($url)"
  node dist/cli.js receive --url "$url" --from "$dest" --out "$out" --count 1 &
  receiver=$!
  node dist/cli.js send "$work/demo.bin" --url "$url" --to "$dest" --name demo.bin
  if ! wait "$receiver"; then echo "receive failed on $name"; status=1; continue; fi
  got=$(sha256sum "$out/demo.bin" | cut -d' ' -f1)
  if [ "$got" = "$want" ]; then echo "$name: received file sha256 matches ($got)"; else echo "$name: MISMATCH $got"; status=1; fi
  rm -rf "$out"
done
exit $status
