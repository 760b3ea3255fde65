#!/usr/bin/env bash
# Development certificates for the webhook: a CA and a serving certificate
# signed by it, written to certs/out/ (ignored by git). Not for production:
# there, use `gangplank webhook --cert-secret ns/name` or cert-manager.
#
#   certs/make-dev-certs.sh [dns-or-ip ...]
#
# Default names cover the in-cluster Service and local runs. The output:
#   certs/out/ca.crt ca.key tls.crt tls.key   and   certs/out/ca-bundle.b64
# (the chart's webhook.tls.provided.caBundle value, with webhook.tls.mode=provided).
set -euo pipefail
command -v openssl >/dev/null || { echo "make-dev-certs: openssl is required" >&2; exit 1; }

out="$(cd "$(dirname "$0")" && pwd)/out"
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  names=(gangplank-webhook gangplank-webhook.gangplank-system gangplank-webhook.gangplank-system.svc localhost 127.0.0.1)
fi

san=""
for n in "${names[@]}"; do
  if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
done
san="${san%,}"

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 365 \
  -subj "/CN=gangplank-dev-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 -subj "/CN=${names[0]}" \
  -keyout "$out/tls.key" -out "$out/tls.csr" 2>/dev/null
ext="$(mktemp)"
trap 'rm -f "$ext" "$out/tls.csr"' EXIT
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" > "$ext"
openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -days 90 -sha256 -extfile "$ext" -out "$out/tls.crt" 2>/dev/null
rm -f "$out/ca.srl"
chmod 600 "$out/ca.key" "$out/tls.key"
base64 < "$out/ca.crt" | tr -d '\n' > "$out/ca-bundle.b64"

echo "make-dev-certs: wrote $out/{ca.crt,ca.key,tls.crt,tls.key,ca-bundle.b64} for: ${names[*]}"
