package main

// version names the pinned releases; keep in step with go.mod.
const version = "kubernetes v1.35.4, etcd v3.6.5"
