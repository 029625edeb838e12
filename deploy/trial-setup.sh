#!/usr/bin/env bash
# Throw-away certificates and secrets for the compose trial (docs/deployment.md §12): a CA for the
# PostgreSQL, Redis and nginx server certificates and the apps' Redis client certificate, an export
# signing key, a stand-in UZI root with an empty CRL, nginx's files, and deploy/.env with random secrets.
# Keys are readable by the containers' users; never use any of this in production.
set -euo pipefail
cd "$(dirname "$0")"
out=trial
if [ -e "$out" ]; then echo "deploy/$out exists; remove it to start over" >&2; exit 1; fi
mkdir -p "$out"/{ca,postgres,redis,app,nginx}

days=90
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days "$days" \
  -subj '/O=Veilig trial/CN=Veilig trial CA' -keyout "$out/ca/ca.key" -out "$out/ca/ca.crt" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
# issue <dir/name> <subject CN> <subjectAltName or -> <extendedKeyUsage>
issue() {
  newkey "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  {
    echo 'basicConstraints=critical,CA:FALSE'
    echo "extendedKeyUsage=$4"
    [ "$3" = - ] || echo "subjectAltName=$3"
  } > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$out/ca/ca.crt" -CAkey "$out/ca/ca.key" -CAcreateserial \
    -days "$days" -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm "$1.csr" "$1.ext"
}
issue "$out/postgres/postgres" postgres DNS:postgres serverAuth
issue "$out/redis/redis" redis DNS:redis serverAuth
issue "$out/redis/healthcheck" redis-healthcheck - clientAuth
issue "$out/app/app" veilig-app - clientAuth
issue "$out/nginx/public" localhost DNS:localhost,IP:127.0.0.1 serverAuth
issue "$out/nginx/federation" localhost DNS:localhost,IP:127.0.0.1 serverAuth
for d in postgres redis app; do cp "$out/ca/ca.crt" "$out/$d/ca.crt"; done
cp "$out/ca/ca.crt" "$out/ca.crt"

newkey "$out/app/export-v1.pem"

# A stand-in for the UZI root, with an empty CRL: the backoffice then refuses every GP signature,
# which is what a trial without real UZI cards should do.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days "$days" \
  -subj '/O=Veilig trial/CN=Stand-in UZI root' -keyout "$out/ca/uzi-root.key" -out "$out/app/uzi-root.crt" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
touch "$out/ca/index.txt"; echo 01 > "$out/ca/crlnumber"
cat > "$out/ca/crl.cnf" <<CNF
[ ca ]
default_ca = uzi
[ uzi ]
database = $out/ca/index.txt
crlnumber = $out/ca/crlnumber
default_md = sha256
default_crl_days = $days
CNF
openssl ca -config "$out/ca/crl.cnf" -gencrl -keyfile "$out/ca/uzi-root.key" -cert "$out/app/uzi-root.crt" \
  -out "$out/app/uzi-root.crl" 2>/dev/null

# nginx: deploy/nginx/ with the trial's upstreams, and the proxy secret the instances expect.
secret() { openssl rand -base64 32 | tr -d '\n'; }
proxy_secret=$(secret)
sed -e '/server 10\.0\.1\.11:3000/s/.*/    server app1:3000 max_fails=3 fail_timeout=10s;/' \
  -e '/server 10\.0\.1\.12:3000/s/.*/    server app2:3000 max_fails=3 fail_timeout=10s;/' \
  nginx/veilig.conf > "$out/nginx/veilig.conf"
cp nginx/veilig-proxy.conf nginx/client-certificate.js "$out/nginx/"
echo "set \$veilig_proxy_secret \"$proxy_secret\";" > "$out/nginx/federation-proxy-secret.conf"
cat > "$out/nginx/nginx.conf" <<'CONF'
load_module modules/ngx_http_js_module.so;
worker_processes auto;
events { worker_connections 1024; }
http {
  include /etc/nginx/conf.d/*.conf;
}
CONF

# The containers run as other users than yours: a trial's keys are readable by all.
chmod -R a+rX "$out"

cat > .env <<ENV
# Written by deploy/trial-setup.sh for deploy/compose.yaml; never use these values in production.
VEILIG_DB_PASSWORD=$(openssl rand -hex 24)
VEILIG_REDIS_PASSWORD=$(openssl rand -hex 24)
VEILIG_S3_SECRET=$(openssl rand -hex 24)
METRICS_TOKEN=$(secret)
EXPORT_PADDING_SECRET=$(secret)
FEDERATION_PROXY_SECRET=$proxy_secret
VEILIG_BELLEN_DATA_KEYS=trial1:$(secret)
VEILIG_BELLEN_DTMF_PEPPER=$(secret)
IDENTITY_SUBJECT_HMAC_KEY=$(secret)
IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS=trial1:$(secret)
# Replace with your test environments' addresses and credentials.
VEILIG_BELLEN_IRMA_URL=https://irma.test.example.nl
VEILIG_BELLEN_IRMA_TOKEN=$(secret)
VEILIG_BELLEN_TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000
VEILIG_BELLEN_TWILIO_AUTH_TOKEN=$(secret)
IDENTITY_OIDC_ISSUER=https://idp.test.example.nl
IDENTITY_OIDC_CLIENT_SECRET=$(secret)
IDENTITY_OIDC_ACR_LEVELS=idporten-loa-low,idporten-loa-substantial,idporten-loa-high
IDENTITY_OIDC_MIN_ACR=idporten-loa-substantial
LAB_REGISTRY_URL=https://lab.test.example.nl
LAB_REGISTRY_API_KEY=$(secret)
ENV
chmod 600 .env
echo "deploy/$out and deploy/.env written; next: docker compose -f deploy/compose.yaml up --build"
