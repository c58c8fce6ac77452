#!/usr/bin/env bash
# Builds candor, starts a collector on a fresh SQLite file, replays the sample records
# through an agent, prints the summary and the collector's metrics, and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --bins
work=$(mktemp -d)
trap 'kill "$collector" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

./target/release/candor-collector serve --db "$work/candor.db" \
    --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 >"$work/collector.out" &
collector=$!
for _ in $(seq 100); do
    grep -q listening "$work/collector.out" 2>/dev/null && break
    sleep 0.1
done
grpc=$(sed -n 's/.* grpc=\([^ ]*\).*/\1/p' "$work/collector.out")
http=$(sed -n 's/.* http=\([^ ]*\).*/\1/p' "$work/collector.out")
echo "collector: gRPC on $grpc, metrics on http://$http/metrics"

./target/release/candor-agent replay --collector "http://$grpc" \
    --model demo --version v1 examples/sample.jsonl

echo
./target/release/candor-collector summary --db "$work/candor.db"
echo
echo "Metrics (excerpt):"
curl -fsS "http://$http/metrics" 2>/dev/null | grep -E '^candor_(responses|refusals)_total' \
    || echo "(install curl to see the metrics excerpt)"
kill -TERM "$collector"
wait "$collector"
