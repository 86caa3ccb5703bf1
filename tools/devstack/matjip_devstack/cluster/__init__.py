"""A simulated Kubernetes cluster on loopback (`./matjip cluster`): the real control plane and the
Argo Rollouts controller built from source, kwok for nodes and kubelets, a scripted fake Prometheus."""
