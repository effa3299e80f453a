#!/bin/bash
# Lighthouse (desktop preset) on the browse page, logged in: the sandbox and gunicorn (DEBUG off,
# collected static files) on loopback ports 18431/18432, a throwaway SQLite database and editor.
# Prints the four category scores and every weighted audit under 1. Needs Lighthouse and Chromium:
#   npm install lighthouse@12 (anywhere), then
#   LIGHTHOUSE=/path/to/node_modules/.bin/lighthouse bench/lighthouse.sh
set -e
: "${LIGHTHOUSE:?set LIGHTHOUSE to the lighthouse binary (npm install lighthouse@12)}"
OUT=${OUT:-$(mktemp -d)}
WT=$(cd "$(dirname "$0")/.." && pwd)
cd $WT
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY=lighthouse-local-$(date +%s)-not-secret-0123456789abcdef DJANGO_HTTPS=0
export ARGIL_API_KEY=sandbox-key ARGIL_API_BASE_URL=http://127.0.0.1:18431/v1
export DATABASE_URL=sqlite:///$OUT/lh.sqlite3 DJANGO_STATIC_ROOT=$OUT/static GUNICORN_BIND=127.0.0.1:18432 GUNICORN_WORKERS=1 DJANGO_LOG_FORMAT=plain
rm -f $OUT/lh.sqlite3
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python -m argil_sandbox --port 18431 > $OUT/sandbox.log 2>&1 & SB=$!
.venv/bin/gunicorn -c gunicorn.conf.py argil_dashboard.wsgi > $OUT/gunicorn.log 2>&1 & GU=$!
trap "kill $SB $GU 2>/dev/null" EXIT
COOKIE=$(.venv/bin/python manage.py shell -c "
from django.contrib.auth import get_user_model
from django.test import Client
u = get_user_model().objects.create_user('maya', password='x-long-password-123')
c = Client(); c.force_login(u); print(c.cookies['sessionid'].value)" 2>/dev/null | tail -1)
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18432/healthz && break; sleep 0.2; done
curl -s -o /dev/null -b sessionid=$COOKIE "http://127.0.0.1:18432/"  # warm
CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium} "$LIGHTHOUSE" "http://127.0.0.1:18432/${LH_PATH}" --preset=desktop \
  --extra-headers="{\"Cookie\": \"sessionid=$COOKIE\"}" --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
  --output=json --output-path=$OUT/lh.json --quiet
OUT=$OUT python3 - <<'PY'
import json, os
r = json.load(open(os.environ["OUT"] + "/lh.json"))
print({k: round(v["score"] * 100) for k, v in r["categories"].items()})
for cat in r["categories"].values():
    for ref in cat["auditRefs"]:
        a = r["audits"][ref["id"]]
        if a.get("score") is not None and a["score"] < 1 and ref.get("weight", 0) > 0:
            print(cat["id"], ref["id"], a["score"], a.get("displayValue", ""))
for id in ("forced-reflow-insight", "lcp-discovery-insight", "unused-javascript", "largest-contentful-paint"):
    a = r["audits"].get(id)
    if a: print(id, a.get("score"), a.get("displayValue", ""))
PY
