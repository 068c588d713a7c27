#!/usr/bin/env bash
# Start a fake S3 server (npm) on 127.0.0.1:${S3RVER_PORT:-4568}. Idempotent.
#   S3RVER_IMPL=s3rver           -> npm s3rver@3.7.1   : does NOT verify SigV4 signatures (only SigV2)
#   S3RVER_IMPL=fork (default)       -> npm @20minutes/s3rver@4.0.4 : verifies SigV4 (403 SignatureDoesNotMatch)
# Credentials: access key S3RVER / secret S3RVER (fixed), any region (sign as us-east-1).
# Path-style URLs only: http://127.0.0.1:PORT/bucket/key. S3RVER_BUCKETS="b1 b2" pre-creates buckets.
set -euo pipefail
BASE=${CI_SVC_DIR:-/tmp/ci-svc}
DIR=$BASE/s3rver
PORT=${S3RVER_PORT:-4568}
IMPL=${S3RVER_IMPL:-fork}
case "$IMPL" in
  s3rver) PKG=s3rver;            VER=${S3RVER_VERSION:-3.7.1} ;;
  fork)   PKG=@20minutes/s3rver; VER=${S3RVER_VERSION:-4.0.4} ;;   # 5.x needs node >= 24
  *) echo "S3RVER_IMPL must be s3rver or fork" >&2; exit 2 ;;
esac
mkdir -p "$DIR/pkg-$IMPL" "$DIR/data"
# One start at a time (two tests may ask at once: a second server on the port would die, and
# two npm installs into one folder break each other). The server does not inherit the lock fd.
exec 9>"$BASE/.s3-up.lock"
flock -w 600 9
if [ ! -f "$DIR/pkg-$IMPL/node_modules/$PKG/package.json" ]; then
  [ -f "$DIR/pkg-$IMPL/package.json" ] || echo '{"name":"ci-s3-host","private":true}' > "$DIR/pkg-$IMPL/package.json"
  (cd "$DIR/pkg-$IMPL" && npm install --no-audit --no-fund --loglevel=error "$PKG@$VER")
fi
# the fork ships no bin/ script, so start both through the library API
cat > "$DIR/pkg-$IMPL/run.js" <<JS
const S3rver = require('$PKG');
const buckets = (process.env.S3RVER_BUCKETS || '').split(/\s+/).filter(Boolean).map(name => ({ name }));
new S3rver({ address: '127.0.0.1', port: $PORT, directory: '$DIR/data', silent: true,
             vhostBuckets: false, configureBuckets: buckets })
  .run().then(() => console.log('listening on 127.0.0.1:$PORT'))
  .catch(e => { console.error(e); process.exit(1); });
JS
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then echo "s3rver: already listening on 127.0.0.1:$PORT"; exit 0; fi
cd "$DIR/pkg-$IMPL"     # (not "(cd X && node ...) &": $! would be the subshell, not node)
setsid nohup node run.js > "$DIR/s3rver.log" 2>&1 < /dev/null 9>&- &
echo $! > "$DIR/s3rver.pid"
for i in $(seq 1 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)
  [ "$code" != "000" ] && { echo "s3rver($IMPL): up on 127.0.0.1:$PORT (pid $(cat "$DIR/s3rver.pid"), ${i}x0.1s)"; exit 0; }
  kill -0 "$(cat "$DIR/s3rver.pid")" 2>/dev/null || { echo "s3rver: died"; cat "$DIR/s3rver.log"; exit 1; }
  sleep 0.1
done
echo "s3rver: not up after 30 s"; cat "$DIR/s3rver.log"; exit 1
