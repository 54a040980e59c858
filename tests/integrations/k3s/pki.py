"""A cluster's PKI for the k3s unit tests: a CA, a server certificate for localhost and an admin
client certificate, as k3s makes them — and the raw kubeconfig k3s would write with them."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
from dataclasses import dataclass

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Pki:
    ca_pem: bytes
    server_cert_pem: bytes
    server_key_pem: bytes
    client_cert_pem: bytes
    client_key_pem: bytes

    def raw_kubeconfig(self, server: str = "https://127.0.0.1:6443") -> bytes:
        """The admin kubeconfig as k3s writes it (names ``default``)."""
        b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
        return yaml.safe_dump(
            {
                "apiVersion": "v1",
                "clusters": [
                    {"cluster": {"certificate-authority-data": b64(self.ca_pem), "server": server}, "name": "default"}
                ],
                "contexts": [{"context": {"cluster": "default", "user": "default"}, "name": "default"}],
                "current-context": "default",
                "kind": "Config",
                "preferences": {},
                "users": [
                    {
                        "name": "default",
                        "user": {
                            "client-certificate-data": b64(self.client_cert_pem),
                            "client-key-data": b64(self.client_key_pem),
                        },
                    }
                ],
            }
        ).encode()


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _cert(subject: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool = False, server: bool = False):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    elif server:
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki() -> Pki:
    """A fresh CA (each call: another cluster) with its server and client certificates."""
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "k3s-server-ca")])
    ca = _cert("k3s-server-ca", ca_key, ca_name, ca_key, ca=True)
    server_key, client_key = _key(), _key()
    server = _cert("k3s", server_key, ca_name, ca_key, server=True)
    client = _cert("system:admin", client_key, ca_name, ca_key)
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    return Pki(pem(ca), pem(server), _pem_key(server_key), pem(client), _pem_key(client_key))
