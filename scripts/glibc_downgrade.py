#!/usr/bin/env python3
"""Rewrites one symbol-version requirement of an ELF shared library in place: every Vernaux entry that asks
LIBRARY for version NEW is made to ask for OLD instead (hash and name). For libjxl 0.7 from Debian 12, whose only
need above glibc 2.34 is hypot/hypotf@GLIBC_2.35 (glibc 2.35 gave hypot a new version; the GLIBC_2.2.5 one, still
exported by every glibc, computes the same results).

    glibc_downgrade.py FILE libm.so.6 GLIBC_2.35 GLIBC_2.2.5
"""
import struct, sys

path, library, new, old = sys.argv[1:5]
data = bytearray(open(path, "rb").read())
assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "64-bit little-endian ELF only"
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
SHT_GNU_verneed = 0x6ffffffe

def elf_hash(name: bytes) -> int:
    h = 0
    for c in name:
        h = (h << 4) + c
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g
    return h & 0xFFFFFFFF

def string_at(strtab, off):
    start = strtab[4] + off  # sh_offset
    return bytes(data[start:data.index(0, start)])

def find_string(strtab, s: bytes):
    blob = bytes(data[strtab[4]:strtab[4] + strtab[5]])
    i = blob.find(b"\0" + s + b"\0")
    return None if i < 0 else i + 1

changed = 0
for sec in sections:
    if sec[1] != SHT_GNU_verneed:
        continue
    strtab = sections[sec[6]]  # sh_link -> .dynstr
    old_off = find_string(strtab, old.encode())
    assert old_off is not None, f"{old} is not in the string table"
    off = sec[4]
    while True:
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, off)
        aux = off + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
            if string_at(strtab, vn_file) == library.encode() and string_at(strtab, vna_name) == new.encode():
                struct.pack_into("<IHHII", data, aux, elf_hash(old.encode()), vna_flags, vna_other, old_off, vna_next)
                changed += 1
            aux += vna_next
        if not vn_next:
            break
        off += vn_next
assert changed, f"{path} does not ask {library} for {new}"
open(path, "wb").write(data)
print(f"{path}: {changed} requirement(s) of {library} {new} -> {old}")
