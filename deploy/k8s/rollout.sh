#!/usr/bin/env bash
# Roll out an overlay: the migrations first, the rest once they completed.
#   deploy/k8s/rollout.sh deploy/k8s/overlays/production
# The overlay's secrets.env must exist (see its secrets.env.example). Argo CD users do not need
# this script: the Job's PreSync hook annotations do the same.
set -euo pipefail
overlay=${1:?usage: rollout.sh <overlay directory>}
namespace=$(kubectl kustomize "$overlay" | sed -n 's/^  namespace: //p' | head -1)
migration='app.kubernetes.io/component=migration'
# Everything but the API's and the worker's objects: the Job, and the settings and account it uses.
before_rollout='app.kubernetes.io/component notin (api,worker)'

# A Job's pod template cannot be changed: the previous run goes, a new one runs the new image.
kubectl -n "$namespace" delete job -l "$migration" --ignore-not-found --wait
kubectl apply -k "$overlay" -l "$before_rollout"
kubectl -n "$namespace" wait job -l "$migration" --for=condition=complete --timeout=15m
kubectl apply -k "$overlay"
kubectl -n "$namespace" rollout status deployment/microcredit-api --timeout=10m
kubectl -n "$namespace" rollout status deployment/microcredit-worker --timeout=10m
