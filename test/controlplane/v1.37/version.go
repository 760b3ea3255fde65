package main

// version names the pinned releases; keep in step with go.mod.
const version = "kubernetes v1.37.2, etcd v3.7.0"
