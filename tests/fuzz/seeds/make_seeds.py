#!/usr/bin/env python3
"""Writes the checked-in fuzz-smoke seeds that ../shared/testdata has no
real files for (run from anywhere; rewrites seeds/<target>/):

  aesm_request/   protobuf-encoded aesm.message.Request messages, one per
                  request kind of src/enclave/aesm/aesm.proto
  sgx_sigstruct/  SIGSTRUCTs (arch.h layout) signed with a fresh RSA-3072,
                  e=3 key, so VerifySigStruct accepts them; mutations then
                  start from a valid signature, Q1 and Q2.

Needs python3-cryptography. The RSA key is new on every run, so the
sigstruct bytes differ between runs; any run's output is a valid seed.
"""
import hashlib
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HERE = os.path.dirname(os.path.abspath(__file__))


# --- protobuf wire format (varint = 0, length-delimited = 2) ---------------
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field_varint(num, v):
    return varint(num << 3) + varint(v)


def field_bytes(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


# sgx_att_key_id_ext_t is 256 bytes; an ECDSA-P256 id with a zero MRSIGNER.
ATT_KEY_ID = struct.pack("<HHH", 0, 1, 32) + bytes(32) + bytes(32) + struct.pack("<HI", 1, 2)
ATT_KEY_ID += bytes(256 - len(ATT_KEY_ID))
REPORT = bytes(432)
QE_REPORT_INFO = bytes(960)


def aesm_requests():
    return {
        "init_quote": field_bytes(1, field_varint(9, 1000)),
        "get_quote": field_bytes(2, field_bytes(1, REPORT) + field_varint(2, 1) + field_bytes(3, bytes(16))
                                 + field_bytes(4, bytes(16)) + field_varint(6, 2048) + field_varint(7, 1)),
        "get_launch_token": field_bytes(3, field_bytes(1, bytes(32)) + field_bytes(2, bytes(32))
                                        + field_bytes(3, bytes(16))),
        "init_quote_ex": field_bytes(15, field_bytes(1, ATT_KEY_ID) + field_varint(3, 1) + field_varint(4, 64)),
        "init_quote_ex_default_key": field_bytes(15, field_varint(3, 0)),
        "get_quote_size_ex": field_bytes(16, field_bytes(1, ATT_KEY_ID)),
        "get_quote_ex": field_bytes(17, field_bytes(1, REPORT) + field_bytes(2, ATT_KEY_ID)
                                    + field_bytes(3, QE_REPORT_INFO) + field_varint(4, 8192)),
        "select_att_key_id": field_bytes(19, field_bytes(1, ATT_KEY_ID * 2)),
        "get_supported_att_key_id_num": field_bytes(21, b""),
        "get_supported_att_key_ids": field_bytes(22, field_varint(1, 158)),
    }


# --- SIGSTRUCT -------------------------------------------------------------
HEADER1 = bytes([0x06, 0, 0, 0, 0xE1, 0, 0, 0, 0, 0, 0x01, 0])
HEADER2 = bytes([0x01, 0x01, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 0x01, 0, 0, 0])


def sigstruct(key, debug, vendor, attributes):
    header = HEADER1 + struct.pack("<III", 1 << 31 if debug else 0, vendor, 0x20261127) + HEADER2
    header += struct.pack("<I", 0) + bytes(84)
    body = struct.pack("<II", 0, 0xFFFFFFFF) + bytes(4) + bytes(16) + attributes + bytes(8) + b"\xff" * 8
    body += hashlib.sha256(b"fuzz-smoke enclave").digest() + bytes(16) + bytes(16)
    body += struct.pack("<HH", 7, 1)
    assert len(header) == 128 and len(body) == 128
    sig = key.sign(header + body, padding.PKCS1v15(), hashes.SHA256())
    n = key.public_key().public_numbers().n
    s = int.from_bytes(sig, "big")
    q1 = s * s // n
    q2 = (s * s * s - q1 * s * n) // n
    le = lambda v: v.to_bytes(384, "little")
    out = header + le(n) + struct.pack("<I", 3) + le(s) + body + bytes(12) + le(q1) + le(q2)
    assert len(out) == 1808
    return out


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for name, data in aesm_requests().items():
        write("aesm_request", name + ".pb", data)
    key = rsa.generate_private_key(public_exponent=3, key_size=3072)
    # attributes: flags (INIT|DEBUG|MODE64BIT = 0x7) and xfrm 0x3.
    write("sgx_sigstruct", "debug.sigstruct", sigstruct(key, True, 0, struct.pack("<QQ", 0x6, 0x3)))
    write("sgx_sigstruct", "intel_vendor.sigstruct", sigstruct(key, False, 0x8086, struct.pack("<QQ", 0x4, 0x3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
