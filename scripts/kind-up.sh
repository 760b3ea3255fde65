#!/usr/bin/env bash
# Gangplank on kind, for Docker users: `npm run kind` (this script).
#   1. builds the image (scripts/image.sh, with docker),
#   2. creates the kind cluster from scripts/kind/kind-config.yaml (reused when it exists),
#   3. loads the image into the kind nodes (`kind load docker-image`),
#   4. installs the chart charts/gangplank into gangplank-system, with that image,
#   5. waits for the webhook and scheduler Deployments to be Available,
#   6. submits the Spark demo, examples/spark-pi-spark-submit.yaml, and shows
#      where its driver went.
# Needs a running Docker engine, kind, helm and kubectl on PATH.
# KIND_CLUSTER_NAME names the cluster (default gangplank).
# Remove it all with: kind delete cluster --name gangplank
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cluster="${KIND_CLUSTER_NAME:-gangplank}"
context="kind-$cluster"
namespace=gangplank-system
repository=ghcr.io/gangplank/gangplank
say() { echo "[kind] $*" >&2; }
die() { say "$*"; exit 1; }

# Every prerequisite first, so that nothing is built or created on a machine
# where the script cannot finish.
command -v docker >/dev/null 2>&1 || die "docker is not installed: kind runs its nodes as Docker containers (https://docs.docker.com/engine/install/)"
docker info >/dev/null 2>&1 || die "docker is installed, but its engine does not answer (docker info failed): start Docker, then run npm run kind again"
command -v kind >/dev/null 2>&1 || die "kind is not installed: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
command -v helm >/dev/null 2>&1 || die "helm is not installed: https://helm.sh/docs/intro/install/"
command -v kubectl >/dev/null 2>&1 || die "kubectl is not installed: https://kubernetes.io/docs/tasks/tools/"
command -v node >/dev/null 2>&1 || die "node is not installed: it reads the version from package.json"

version="$(node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).version' "$repo/package.json")"
image="$repository:$version"

say "1/6 building $image"
CONTAINER_ENGINE=docker bash "$repo/scripts/image.sh" >/dev/null

clusters="$(kind get clusters 2>/dev/null || true)"
if grep -qx "$cluster" <<<"$clusters"; then
  say "2/6 kind cluster $cluster exists: reusing it"
else
  say "2/6 creating kind cluster $cluster (1 control plane, 2 workers)"
  kind create cluster --name "$cluster" --config "$repo/scripts/kind/kind-config.yaml" --wait 180s
fi

say "3/6 loading $image into the kind nodes"
kind load docker-image "$image" --name "$cluster"

# `upgrade --install` is `helm install` on the first run and makes the script
# safe to run again (after a rebuild, say). pullPolicy Never: the image exists
# only inside the kind nodes, loaded above.
say "4/6 installing the chart into $namespace"
helm upgrade --install gangplank "$repo/charts/gangplank" \
  --kube-context "$context" \
  --namespace "$namespace" --create-namespace \
  --set image.repository="$repository" \
  --set image.tag="$version" \
  --set image.pullPolicy=Never

say "5/6 waiting for the webhook and scheduler Deployments"
kubectl --context "$context" -n "$namespace" rollout status deployment/gangplank-webhook --timeout=180s
kubectl --context "$context" -n "$namespace" rollout status deployment/gangplank-scheduler --timeout=180s
kubectl --context "$context" -n "$namespace" wait --for=condition=Available --timeout=60s \
  deployment/gangplank-webhook deployment/gangplank-scheduler

say "6/6 submitting the Spark demo (examples/spark-pi-spark-submit.yaml)"
kubectl --context "$context" apply -f "$repo/examples/spark-pi-spark-submit.yaml"
kubectl --context "$context" -n spark-demo wait --for=condition=PodScheduled --timeout=120s pod/spark-pi-driver
kubectl --context "$context" -n spark-demo get pod spark-pi-driver -o wide \
  -L pod-group.scheduling.kubenexus.io/name,pod-group.scheduling.kubenexus.io/min-available
say "the driver was shaped by the webhook and placed by gangplank-scheduler with room for its 2 executors;"
say "once it runs (the apache/spark image is large) it creates them. Watch with:"
say "  kubectl --context $context -n spark-demo get pods -o wide -w"
say "Gangplank's view: kubectl --context $context -n spark-demo describe pod spark-pi-driver"
say "Remove the demo: kubectl --context $context delete -f examples/spark-pi-spark-submit.yaml"
say "Remove everything: kind delete cluster --name $cluster"
