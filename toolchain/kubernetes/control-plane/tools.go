//go:build tools

// Package tools pins the commands that scripts/kubernetes.sh builds from this module:
// kube-apiserver, kube-controller-manager and kube-scheduler, and etcd (go.etcd.io/etcd/server/v3, whose main
// only calls etcdmain) for a machine without one.
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
