"""A simulated Kubernetes cluster on loopback (`./matjip cluster`): etcd, kube-apiserver,
kube-controller-manager, kube-scheduler, kwok and the Argo Rollouts controller built from the Go module
proxy and run as processes, a fake Prometheus, the upstream CRDs the chart needs; the chart synced into
it in Argo CD's order."""
