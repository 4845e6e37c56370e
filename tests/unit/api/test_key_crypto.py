"""Key pair fingerprints and generated keys (api_svc.key_crypto)."""
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
import pytest

from api_svc import key_crypto
from svc_common import exception
from svc_common import objects
from svc_common.objects import instance as instance_obj

# Public keys made for these tests with ssh-keygen, and what
# ``ssh-keygen -l -E md5 -f KEY.pub`` printed for them.
ED25519 = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICDeInOHdZgSUvPYYga1WEFl+7I+6OXJjsTVIutk'
           'bHzu tester@nimbus')
ED25519_MD5 = '31:18:66:9c:71:f1:9a:f0:12:d5:6f:48:1f:eb:36:39'
ECDSA = ('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPVOXuVHv'
         'dLqo7z/mXegAY00xfqViO05sJKQZK4Jv63VZgLpOLUJoKrZvtkrZdUSm/s2PKui5R27iQGMUsKZcZM= '
         'ec@nimbus')
ECDSA_MD5 = '9a:80:ba:12:46:4d:e7:2a:81:67:85:50:2a:12:c4:6f'


@pytest.mark.parametrize('public_key, expected', [
    (ED25519, ED25519_MD5),
    (ECDSA, ECDSA_MD5),
    (ED25519 + '\n', ED25519_MD5),  # as read from a .pub file
    (' '.join(ED25519.split()[:2]), ED25519_MD5),  # without a comment
])
def test_ssh_fingerprint_is_what_ssh_keygen_prints(public_key, expected):
    assert key_crypto.ssh_fingerprint(public_key) == expected
    assert key_crypto.fingerprint(public_key, 'ssh') == expected


@pytest.mark.parametrize('public_key', [
    '', ' ', 'ssh-rsa', 'ssh-rsa JUNK nobody@nowhere', 'ssh-rsa ' + 'A' * 2048 + ' x@y',
    'ssh-ed25519 ' + ED25519.split()[1][:-4] + ' truncated', ' ' + ED25519,
    'ssh-rsa ' + ED25519.split()[1],  # the blob of another key type
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'ssh-ed25519 ÄÖÜ',
])
def test_ssh_fingerprint_refuses_what_is_not_a_public_key(public_key):
    with pytest.raises(exception.InvalidKeypair) as error:
        key_crypto.ssh_fingerprint(public_key)
    assert error.value.code == 400


def test_x509_fingerprint_refuses_an_ssh_key():
    with pytest.raises(exception.InvalidKeypair):
        key_crypto.fingerprint(ED25519, 'x509')


def test_generated_ssh_key_pair():
    private_pem, public_key, fingerprint = key_crypto.generate('ssh', 'alice')
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert private_pem.startswith('-----BEGIN RSA PRIVATE KEY-----')
    assert private.key_size == key_crypto.RSA_BITS
    own_line = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                 serialization.PublicFormat.OpenSSH)
    assert public_key == own_line.decode() + ' ' + key_crypto.SSH_COMMENT
    assert fingerprint == key_crypto.ssh_fingerprint(public_key)
    assert len(fingerprint.split(':')) == 16


def test_generated_x509_key_pair():
    private_pem, certificate, fingerprint = key_crypto.generate('x509', 'alice')
    cert = x509.load_pem_x509_certificate(certificate.encode())
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert cert.public_key() == private.public_key()
    assert cert.subject.rfc4514_string() == 'CN=alice' == cert.issuer.rfc4514_string()
    der = cert.public_bytes(serialization.Encoding.DER)
    assert fingerprint == ':'.join('%02x' % b for b in hashlib.sha1(der).digest())
    assert fingerprint == ':'.join('%02x' % b for b in cert.fingerprint(hashes.SHA1()))
    assert key_crypto.fingerprint(certificate, 'x509') == fingerprint


def test_instance_key_data_is_not_sent_to_older_services():
    objects.register_all()
    instance = instance_obj.Instance(key_name='k', key_data=ED25519)
    assert 'key_data' in instance.obj_to_primitive()['nimbus_object.data']
    old = instance.obj_to_primitive(target_version='1.1')['nimbus_object.data']
    assert old == {'key_name': 'k'}
