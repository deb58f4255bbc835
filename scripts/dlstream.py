"""The tensor stream format (man/dl-stream.5) written in Python, apart from
the C library, for the scripts that make reference files: the CRC-32C
(Castagnoli, reflected 0x82F63B78) byte table and checksum, and one record.
Scripts elsewhere in the tree import it after adding this directory to
sys.path."""
import struct
import zlib

POLY = 0x82F63B78
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


DTYPES = {"u8": 1, "i32": 2, "i64": 3, "f32": 4, "f64": 5}


def record(name, dtype, shape, payload, encoding=0, version=1, payload_len=None, rank=None,
           dtype_code=None, deflated=False):
    """One record of tensor NAME; encoding 1 deflates the payload, unless
    deflated says it is stored as given (a zlib stream made elsewhere).  The
    other arguments break the rules on purpose, for hostile inputs: a
    format version, a declared payload length, rank or dtype code other
    than the true ones."""
    name_b = name if isinstance(name, bytes) else name.encode()
    stored = zlib.compress(payload) if encoding == 1 and not deflated else payload
    plen = len(stored) if payload_len is None else payload_len
    head = b"\x89DLT" + struct.pack(
        "<BBBBHHQI", version, DTYPES[dtype] if dtype_code is None else dtype_code, encoding,
        len(shape) if rank is None else rank, len(name_b), 0, plen, crc32c(stored))
    head += b"".join(struct.pack("<Q", d) for d in shape) + name_b
    return head + struct.pack("<I", crc32c(head)) + stored
