"""The certificate of the HTTPS listener Kubernetes clients use.

client-go (kubectl) sends a kubeconfig's bearer token only over TLS, so the object API needs an
HTTPS listener even on loopback — which is also what Aspire's orchestrator (DCP) does. pyspire
makes a small CA and a server certificate signed by it (EC P-256; SANs 127.0.0.1, ::1 and
localhost), and the kubeconfig trusts exactly that CA.

Everything lives in one file, ``<state dir>/tls/server.pem`` (server key, server certificate, CA
certificate; mode 0600 in a 0700 folder), written atomically, so a reader never sees a key from one
generation and a certificate from another. The CA's key is not kept: it signs this one server
certificate and is then thrown away, so no key that could mint more trusted certificates lies
on disk. The file is reused across runs while it stays valid for more than a day.

Checking the cached file needs only the standard library's ``ssl``; ``cryptography`` (about 75 ms
to import) is imported only to generate, and :func:`ensure_certificate` does that in a thread so
the app host's event loop keeps going.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

from pyspire.runtime.files import write_atomic
from pyspire.runtime.state_dir import StateDir

#: How long a generated certificate (and its CA) is valid.
VALIDITY = dt.timedelta(days=90)
#: A cached certificate that expires sooner than this is replaced.
RENEW_BEFORE = dt.timedelta(days=1)
SAN_IPS = ("127.0.0.1", "::1")
SAN_DNS = ("localhost",)

_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", re.DOTALL)


@dataclass(frozen=True)
class Certificate:
    """The server's key and certificate chain (``bundle``, what the listener loads) and the CA
    certificate clients trust (``ca_pem``, what goes in the kubeconfig)."""

    bundle: Path
    ca_pem: bytes
    expires: float


def bundle_path(state_dir: Path) -> Path:
    return StateDir(state_dir).tls_bundle


def load_cached(state_dir: Path, now: float | None = None) -> Certificate | None:
    """The cached certificate when it is usable and valid for more than :data:`RENEW_BEFORE`,
    else None. Cheap: no ``cryptography`` import."""
    path = bundle_path(state_dir)
    try:
        data = path.read_bytes()
        certificates = _PEM_CERTIFICATE.findall(data)
        if len(certificates) != 2:
            return None
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(path)  # fails when the key does not match the certificate
        client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ca_pem = certificates[1]
        client.load_verify_locations(cadata=ca_pem.decode("ascii"))
        (ca,) = client.get_ca_certs()
        expires = float(ssl.cert_time_to_seconds(str(ca["notAfter"])))
    except (OSError, ValueError, ssl.SSLError):
        return None
    remaining = expires - (time.time() if now is None else now)
    if remaining <= RENEW_BEFORE.total_seconds():
        return None
    return Certificate(path, ca_pem, expires)


def generate(state_dir: Path) -> Certificate:
    """Make a new CA and server certificate and cache them (blocking: run it in a thread)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    # Both share one validity window, so the CA's expiry (all load_cached can read) is the chain's.
    not_before, not_after = now - dt.timedelta(minutes=5), now + VALIDITY
    ca_key = ec.generate_private_key(ec.SECP256R1())
    server_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"pyspire local CA {os.getpid()}")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in SAN_DNS]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SAN_IPS]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca_cert.public_bytes(pem)
    # Certificate first, then its issuer, then the key: the order ssl.load_cert_chain reads.
    bundle = (
        server_cert.public_bytes(pem)
        + ca_pem
        + server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path = bundle_path(state_dir)
    write_atomic(path, bundle, private_folder=True)
    return Certificate(path, ca_pem, not_after.timestamp())


async def ensure_certificate(state_dir: Path) -> Certificate:
    """The cached certificate, or a new one generated in a worker thread."""
    cached = load_cached(state_dir)
    if cached is not None:
        return cached
    return await asyncio.to_thread(generate, state_dir)
