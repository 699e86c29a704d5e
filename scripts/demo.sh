#!/usr/bin/env bash
# Starts TenantOps on this machine with a seeded workspace, against the simulated Microsoft Graph,
# then prints a token and a first curl. Brings up PostgreSQL and Redis when they are not running.
# Ctrl-C stops the product and the simulated Graph.
set -euo pipefail
cd "$(dirname "$0")/.."

# A supported Node (package.json engines): the machine's when it is one, else Node 24 from the npm
# registry, the way CI gets it (scripts/node-runtime.sh).
if ! node -e 'const [M, m] = process.versions.node.split(".").map(Number);
  process.exit((M === 22 && m >= 13) || (M === 24 && m >= 11) || M > 24 ? 0 : 1)' 2>/dev/null; then
  bin=$(bash scripts/node-runtime.sh 24)
  export PATH="$bin:$PATH" npm_config_nodedir="${bin%/bin}"
fi
echo "[demo] Node $(node -v)" >&2

STATE=.demo
PORT=${PORT:-3000}
DB_NAME=${DEMO_DB:-tenantops_demo}
mkdir -p "$STATE"

[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-services.sh
npm run --silent build

# A stable key per checkout, so tenants' encrypted secrets survive restarts of the demo.
[ -s "$STATE/secrets-key" ] || node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64url'))" >"$STATE/secrets-key"

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$DB_NAME}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export REDIS_PREFIX=${REDIS_PREFIX:-tenantops-demo}
export SECRETS_KEY=$(cat "$STATE/secrets-key")
export PORT APP_ROLES=${APP_ROLES:-api,worker,scheduler}

psql -h 127.0.0.1 -U postgres -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $DB_NAME"
node dist/src/cli.js db:migrate >/dev/null

field() { node -e "process.stdout.write(String(JSON.parse(require('fs').readFileSync(0, 'utf8'))['$1']))"; }

if [ ! -s "$STATE/seed.json" ]; then
  workspace=$(node dist/src/cli.js workspace:create --name "Demo MSP" | field id)
  user=$(node dist/src/cli.js user:create --email "owner-$(date +%s)@demo.tenantops.test" --name "Demo Owner" | field id)
  node dist/src/cli.js member:add --workspace "$workspace" --user "$user" --role owner >/dev/null
  printf '{"workspace":"%s","user":"%s"}\n' "$workspace" "$user" >"$STATE/seed.json"
fi
workspace=$(field workspace <"$STATE/seed.json")
user=$(field user <"$STATE/seed.json")
token=$(node dist/src/cli.js token:create --user "$user" --name demo | field token)

# The simulated Graph (SPEC §5): tenants created with this client secret get tokens from it.
SIM_SECRET=demo-secret
: >"$STATE/graph-sim.json"
node dist/libs/graph-sim/main.js --client-secret "$SIM_SECRET" >"$STATE/graph-sim.json" 2>"$STATE/graph-sim.log" &
sim=$!
trap 'kill $sim 2>/dev/null' EXIT
for _ in $(seq 1 40); do
  [ -s "$STATE/graph-sim.json" ] && break
  kill -0 $sim 2>/dev/null || { echo "The simulated Graph did not start; see $STATE/graph-sim.log" >&2; exit 1; }
  sleep 0.25
done
export GRAPH_BASE_URL=$(field url <"$STATE/graph-sim.json")
export GRAPH_LOGIN_URL=$GRAPH_BASE_URL
export GRAPH_CA_CERT=$(field caCert <"$STATE/graph-sim.json")

node dist/src/main.js >"$STATE/tenantops.log" 2>&1 &
app=$!
trap 'kill $app $sim 2>/dev/null; wait $app $sim 2>/dev/null; exit 0' INT TERM
for _ in $(seq 1 60); do
  node -e "fetch('http://127.0.0.1:$PORT/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  kill -0 $app 2>/dev/null || { echo "TenantOps did not start; see $STATE/tenantops.log" >&2; tail -20 "$STATE/tenantops.log" >&2; exit 1; }
  sleep 0.5
done

# The demo tenant, bound to the simulated Graph (any Entra tenant id is a generated tenant there;
# only the client secret must match). Created once through the API, like any tenant.
if [ ! -s "$STATE/tenant" ]; then
  node -e "
    const [port, workspace, token, secret] = process.argv.slice(1);
    const { randomUUID } = require('crypto');
    fetch('http://127.0.0.1:' + port + '/workspaces/' + workspace + '/tenants', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Contoso (simulated)', entraTenantId: randomUUID(),
                             clientId: randomUUID(), clientSecret: secret }),
    }).then(async (r) => {
      const body = await r.json();
      if (r.status !== 201) { console.error('Creating the demo tenant failed:', r.status, body); process.exit(1); }
      process.stdout.write(body.id);
    });
  " "$PORT" "$workspace" "$token" "$SIM_SECRET" >"$STATE/tenant.tmp"
  mv "$STATE/tenant.tmp" "$STATE/tenant"
fi
tenant=$(cat "$STATE/tenant")
api=http://127.0.0.1:$PORT

cat <<MSG

TenantOps is running on $api (roles: $APP_ROLES; logs: $STATE/tenantops.log)
API docs: $api/docs
Simulated Graph: $GRAPH_BASE_URL (control routes under /_sim, see README "The simulated Graph")
Workspace $workspace has the tenant $tenant ("Contoso (simulated)"), bound to the simulated Graph.

  export TOKEN=$token

  # Start an inventory sync; the answer is 202 with the run, and its URL in Location:
  run=\$(curl -s -o /dev/null -w '%header{location}' -X POST $api/tenants/$tenant/inventory/sync \\
        -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{}')
  echo \$run

  # Read the run (status, outcome, summaryCounts), then the inventory it filled:
  curl -s $api\$run -H "Authorization: Bearer \$TOKEN"
  curl -s "$api/tenants/$tenant/inventory/items?limit=5" -H "Authorization: Bearer \$TOKEN"

  # The tenant's provider connection (verified when it was added), newest runs and sync plan:
  curl -s $api/tenants/$tenant -H "Authorization: Bearer \$TOKEN"
  curl -s $api/tenants/$tenant/sync-plan -H "Authorization: Bearer \$TOKEN"

  # More: POST $api/tenants/$tenant/directory/groups/sync, .../directory/role-definitions/sync,
  # .../inventory/policies/sync, .../drift/generate (after two inventory syncs),
  # .../connection/verify — see README.

Ctrl-C stops it.
MSG
wait $app
