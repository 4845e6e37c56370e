"""The key material of key pairs: the fingerprint of a public key or certificate, and new
keys for the microversions (before 2.92) that still generate them.

Fingerprints read as Nova shows them: for an OpenSSH public key the MD5 of its key blob
(what ``ssh-keygen -l -E md5`` prints), for an X.509 certificate the SHA-1 of its DER
form, both as colon-separated lowercase hex.
"""
import base64
import datetime
import hashlib
import uuid

from cryptography import exceptions as crypto_exc
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import oid

from svc_common import exception
from svc_common.objects import keypair as keypair_obj

RSA_BITS = 2048
SSH_COMMENT = 'Generated-by-Nimbus'
CERT_LIFETIME = datetime.timedelta(days=3650)


def _colon_hex(digest):
    return ':'.join('%02x' % byte for byte in digest)


def ssh_fingerprint(public_key):
    """The fingerprint of one OpenSSH public key line ('ssh-ed25519 AAAA... comment');
    InvalidKeypair for anything else."""
    try:
        serialization.load_ssh_public_key(public_key.encode('utf-8'))
        blob = base64.b64decode(public_key.split()[1])
    except (ValueError, IndexError, UnicodeError, crypto_exc.UnsupportedAlgorithm):
        raise exception.InvalidKeypair(reason='failed to generate fingerprint')
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(certificate):
    """The fingerprint of a PEM certificate; InvalidKeypair for anything else."""
    try:
        cert = x509.load_pem_x509_certificate(certificate.encode('utf-8'))
    except (ValueError, UnicodeError) as error:
        raise exception.InvalidKeypair(
            reason='failed to generate X509 fingerprint. Error message: %s' % error)
    return _colon_hex(cert.fingerprint(hashes.SHA1()))


def fingerprint(public_key, key_type):
    if key_type == keypair_obj.TYPE_X509:
        return x509_fingerprint(public_key)
    return ssh_fingerprint(public_key)


def generate(key_type, user_id):
    """(private key PEM, public key, fingerprint) of a new RSA key: the public key an
    OpenSSH line, or for x509 a self-signed certificate naming ``user_id``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    if key_type == keypair_obj.TYPE_X509:
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        public = _certificate(key, user_id).public_bytes(serialization.Encoding.PEM)
    else:
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH)
        public += b' ' + SSH_COMMENT.encode()
    public_key = public.decode('utf-8')
    return private.decode('utf-8'), public_key, fingerprint(public_key, key_type)


def _certificate(key, user_id):
    """A client-authentication certificate for ``user_id``, signed by its own key (what
    WinRM certificate logins take)."""
    name = x509.Name([x509.NameAttribute(oid.NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(uuid.uuid4().int >> 1)
            .not_valid_before(now).not_valid_after(now + CERT_LIFETIME)
            .add_extension(x509.ExtendedKeyUsage([oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
