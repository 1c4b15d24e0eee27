"""A throwaway CA and the server certificates the TLS test cases need, made with ``openssl``.

Every leaf names localhost, 127.0.0.1 and ::1 (never 127.0.0.2, so that address
gives a real hostname mismatch). EC keys keep generation to a fraction of a second.
"""

import os
import subprocess

NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1"

_CA_CONFIG = """\
[ca]
default_ca = test_ca

[test_ca]
database = {dir}/index.txt
new_certs_dir = {dir}/issued
serial = {dir}/serial
certificate = {dir}/ca.pem
private_key = {dir}/ca.key
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none

[any_name]
commonName = supplied

[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = {names}
"""

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _openssl(*args):
    result = subprocess.run(("openssl",) + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if result.returncode:
        raise RuntimeError("openssl %s failed: %s" % (args[0], result.stdout.decode(errors="replace")))


def _leaf(folder, name, validity):
    """Key and CA-signed certificate ``name``; ``validity`` is openssl ca's date arguments."""
    key, csr, cert = (os.path.join(folder, name + ext) for ext in (".key", ".csr", ".pem"))
    _openssl("req", "-new", *_EC, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    _openssl("ca", "-batch", "-notext", "-config", os.path.join(folder, "ca.cnf"), "-extensions", "server",
             "-in", csr, "-out", cert, *validity)
    return {"cert": cert, "key": key}


def make(folder):
    """Write the CA and certificates into ``folder``; return their paths by purpose."""
    folder = os.path.join(folder, "tls")
    os.makedirs(os.path.join(folder, "issued"), exist_ok=True)
    with open(os.path.join(folder, "ca.cnf"), "w", encoding="ascii") as handle:
        handle.write(_CA_CONFIG.format(dir=folder, names=NAMES))
    open(os.path.join(folder, "index.txt"), "w", encoding="ascii").close()
    with open(os.path.join(folder, "serial"), "w", encoding="ascii") as handle:
        handle.write("1000\n")
    ca, ca_key = os.path.join(folder, "ca.pem"), os.path.join(folder, "ca.key")
    _openssl("req", "-x509", *_EC, "-keyout", ca_key, "-out", ca, "-days", "400", "-subj", "/CN=mailconfig test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    paths = {
        "ca": ca,
        "valid": _leaf(folder, "valid", ["-days", "365"]),
        "expiring": _leaf(folder, "expiring", ["-days", "10"]),
        "expired": _leaf(folder, "expired", ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]),
    }
    selfsigned = {"cert": os.path.join(folder, "selfsigned.pem"), "key": os.path.join(folder, "selfsigned.key")}
    _openssl("req", "-x509", *_EC, "-keyout", selfsigned["key"], "-out", selfsigned["cert"], "-days", "365",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=" + NAMES)
    paths["selfsigned"] = selfsigned
    paths["dh"] = os.path.join(folder, "dh.pem")
    _openssl("genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_param:ffdhe2048", "-out", paths["dh"])
    return paths
