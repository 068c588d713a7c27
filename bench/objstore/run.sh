#!/usr/bin/env bash
# Upload/download of SIZE_MIB (default 1024) MiB as 64 files and as one file, runnel vs
# `rclone copy` (Debian rclone), against the local Azurite and s3rver started by
# scripts/services/*-up.sh. Prints seconds and the runnel/rclone ratio per case.
# Usage: bench/objstore/run.sh [build-dir]    (SIZE_MIB=256 for a quick run)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNNEL=${1:-$ROOT/build}/runnel
SIZE_MIB=${SIZE_MIB:-1024}
command -v rclone >/dev/null || { echo "rclone missing: apt-get install rclone"; exit 2; }
bash "$ROOT/scripts/services/azurite-up.sh" >/dev/null
bash "$ROOT/scripts/services/s3-up.sh" >/dev/null
W=$(mktemp -d /tmp/runnel-bench-objstore.XXXX); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/many" "$W/one"
for i in $(seq -w 1 64); do head -c $((SIZE_MIB * 1048576 / 64)) /dev/urandom > "$W/many/f$i.bin"; done
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$W/one/big.bin"
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
cat > "$W/rclone.conf" <<CONF
[az]
type = azureblob
account = devstoreaccount1
key = $KEY
endpoint = http://127.0.0.1:10000/devstoreaccount1
[s3]
type = s3
provider = Other
access_key_id = S3RVER
secret_access_key = S3RVER
endpoint = http://127.0.0.1:4568
force_path_style = true
CONF
"$RUNNEL" init "$W/ws" >/dev/null
B=b$(date +%s)
"$RUNNEL" -w "$W/ws" datastore register az --type azure_blob --account-name devstoreaccount1 --container "$B" \
  --account-key "$KEY" --protocol http --endpoint 127.0.0.1:10000 --create >/dev/null
"$RUNNEL" -w "$W/ws" datastore register s3 --type s3 --bucket "$B" --endpoint-url http://127.0.0.1:4568 \
  --access-key-id S3RVER --secret-access-key S3RVER --create >/dev/null
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
printf "%-4s %-5s %-9s %9s %9s %6s\n" store case direction runnel_s rclone_s ratio
for ds in az s3; do
  for c in many one; do
    ru=$(t "$RUNNEL" -w "$W/ws" datastore upload "$W/$c" "r-$c/" --datastore $ds)
    cu=$(t rclone --config "$W/rclone.conf" copy "$W/$c" "$ds:$B/c-$c")
    rm -rf "$W/dl"; rd=$(t "$RUNNEL" -w "$W/ws" datastore download "r-$c" "$W/dl" --datastore $ds)
    cmp -s "$W/dl/$(ls "$W/$c" | head -1)" "$W/$c/$(ls "$W/$c" | head -1)" || echo "runnel download differs!"
    rm -rf "$W/dl"; cd_=$(t rclone --config "$W/rclone.conf" copy "$ds:$B/c-$c" "$W/dl")
    printf "%-4s %-5s %-9s %9.2f %9.2f %6.2f\n" $ds $c upload "$ru" "$cu" "$(echo "$ru / $cu" | bc -l)"
    printf "%-4s %-5s %-9s %9.2f %9.2f %6.2f\n" $ds $c download "$rd" "$cd_" "$(echo "$rd / $cd_" | bc -l)"
  done
done
