// Command kcp is a multi-call binary holding the three control-plane
// components Gangplank's end-to-end tests run: etcd, kube-apiserver and
// kube-scheduler, each built from its upstream Go module at the versions
// pinned in go.mod. One binary instead of three keeps the cold build to a
// single link step, which dominates build time on small machines.
//
//	kcp etcd [etcd flags]
//	kcp kube-apiserver [kube-apiserver flags]
//	kcp kube-scheduler [kube-scheduler flags]
//	kcp version
package main

import (
	"fmt"
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kcp etcd|kube-apiserver|kube-scheduler|version [flags]")
		os.Exit(2)
	}
	component, rest := os.Args[1], os.Args[2:]
	switch component {
	case "etcd":
		// etcdmain reads its flags from the slice after the program name.
		etcdmain.Main(append([]string{"etcd"}, rest...))
	case "kube-apiserver":
		cmd := apiserver.NewAPIServerCommand()
		cmd.SetArgs(rest)
		os.Exit(cli.Run(cmd))
	case "kube-scheduler":
		cmd := scheduler.NewSchedulerCommand()
		cmd.SetArgs(rest)
		os.Exit(cli.Run(cmd))
	case "version":
		fmt.Println(version)
	default:
		fmt.Fprintf(os.Stderr, "kcp: unknown component %q\n", component)
		os.Exit(2)
	}
}
