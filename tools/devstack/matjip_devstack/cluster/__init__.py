"""A Kubernetes API server on loopback (`./matjip cluster`): etcd and kube-apiserver built from the Go
module proxy, run as processes, with the upstream CRDs the chart needs; the chart synced into it in
Argo CD's order."""
