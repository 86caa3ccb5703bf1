"""Keys, certificates and tokens of a simulated cluster, made fresh for each cluster (never committed).

- a CA and the API server's serving certificate (127.0.0.1 / localhost / kubernetes.default.svc);
- the service-account signing key pair (the API server issues and verifies bound tokens with it);
- a random bearer token for the admin (the API server's token auth file).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Users the API server knows by token: component -> (user, groups). The admin is in system:masters; the
# controller manager and the scheduler are the users Kubernetes' bootstrap RBAC grants their roles to;
# kwok plays every node's kubelet (node status, leases, pod status, deletions) and is trusted as an admin;
# the Argo Rollouts controller is its ServiceAccount, bound to the ClusterRole its project ships.
TOKEN_USERS: dict[str, tuple[str, str]] = {
    "admin": ("matjip-admin", "system:masters"),
    "kube-controller-manager": ("system:kube-controller-manager", ""),
    "kube-scheduler": ("system:kube-scheduler", ""),
    "kwok": ("matjip-kwok", "system:masters"),
    "argo-rollouts": ("system:serviceaccount:argo-rollouts:argo-rollouts",
                      "system:serviceaccounts,system:serviceaccounts:argo-rollouts"),
}


@dataclass(frozen=True)
class Pki:
    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def server_cert(self) -> Path:
        return self.directory / "apiserver.crt"

    @property
    def server_key(self) -> Path:
        return self.directory / "apiserver.key"

    @property
    def sa_public_key(self) -> Path:
        return self.directory / "sa.pub"

    @property
    def sa_private_key(self) -> Path:
        return self.directory / "sa.key"

    @property
    def token_file(self) -> Path:
        return self.directory / "tokens.csv"

    def token(self, component: str) -> str:
        for line in self.token_file.read_text().splitlines():
            token, _user, uid, *_ = line.split(",")
            if uid == component:
                return token
        raise KeyError(component)


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _pem_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def create_pki(directory: Path) -> Pki:
    """Make everything once; an existing directory (a cluster being restarted) is kept as it is."""
    pki = Pki(directory)
    if pki.token_file.exists():
        known = {line.split(",")[2] for line in pki.token_file.read_text().splitlines() if line}
        if known >= set(TOKEN_USERS):
            return pki
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    valid = (now - dt.timedelta(minutes=5), now + dt.timedelta(days=30))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "matjip-sim-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid[0]).not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"), x509.DNSName("kubernetes"), x509.DNSName("kubernetes.default"),
        x509.DNSName("kubernetes.default.svc"), x509.DNSName("kubernetes.default.svc.cluster.local"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("10.96.0.1")),
    ]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid[0]).not_valid_after(valid[1])
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    pki.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    pki.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_private(pki.server_key, _pem_key(server_key))
    _write_private(pki.sa_private_key, _pem_key(sa_key))
    pki.sa_public_key.write_bytes(
        sa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    # token,user,uid,"group1,group2" (the API server's --token-auth-file format)
    lines = []
    for component, (user, groups) in TOKEN_USERS.items():
        line = f"{secrets.token_urlsafe(32)},{user},{component}"
        lines.append(f'{line},"{groups}"' if groups else line)
    _write_private(pki.token_file, ("\n".join(lines) + "\n").encode())
    return pki
