"""The container size of a WAV (RIFF) or AIFF (FORM) file, set right before a chunk is added.

mutagen adds a WAV's or AIFF's ID3 chunk where the container's size says the container ends.
Where that size disagrees with the chunks the file holds, the new chunk lands where no reader
finds it: inside another chunk (a RIFF size that undercounts, as in ExifTool's RIFF.wav and
TagLib's zero-size-chunk.wav) or one byte early (an odd-sized last chunk whose pad byte the
file lacks, as in TagLib's noise_odd.aif; chunks start at even offsets). ``container_size_repair``
sets the size to the end of the last whole chunk, adding that pad byte, before the chunk is
added. It changes nothing where the size is right, and leaves a file alone whose chunks it cannot
follow to the end (one that claims more bytes than the file holds): such a file is written as
mutagen writes it, and verification decides.
"""

from __future__ import annotations

import struct
from pathlib import Path

_ORDERS = {b"RIFF": "<I", b"FORM": ">I"}


def _chunk_id_valid(chunk_id: bytes) -> bool:
    return len(chunk_id) == 4 and all(0x20 <= byte <= 0x7E for byte in chunk_id)


def container_size_repair(path: Path) -> bool:
    """Set the container size of the WAV or AIFF at ``path`` to cover its chunks; whether it changed."""
    with open(path, "r+b") as file:
        header = file.read(12)
        order = _ORDERS.get(header[:4])
        if order is None or len(header) < 12:
            return False
        file_size = file.seek(0, 2)
        offset = 12
        while offset + 8 <= file_size:
            file.seek(offset)
            chunk = file.read(8)
            size = struct.unpack(order, chunk[4:])[0]
            if not _chunk_id_valid(chunk[:4]):
                break  # not a chunk: what follows (zeros, junk) stays outside the container
            if offset + 8 + size > file_size:
                return False  # a chunk that claims more than the file holds: nothing to set right
            offset += 8 + size + (size & 1)
        if offset > file_size + 1 or offset == 12:
            return False
        if struct.unpack(order, header[4:8])[0] == offset - 8:
            return False
        if offset == file_size + 1:  # the last chunk is odd-sized and the file ends before its pad byte
            file.seek(file_size)
            file.write(b"\x00")
        file.seek(4)
        file.write(struct.pack(order, offset - 8))
    return True
