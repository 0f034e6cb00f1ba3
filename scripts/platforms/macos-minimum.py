#!/usr/bin/env python3
"""Prints, for each macOS binary given, its architecture and the minimum macOS it was linked for
(LC_BUILD_VERSION, or LC_VERSION_MIN_MACOSX: what MACOSX_DEPLOYMENT_TARGET sets), and exits 1
unless both smmap.darwin-x64.node (10.13) and smmap.darwin-arm64.node (11.0) are there and
right. Used by platforms.sh, which links them here but cannot run them."""
import os, struct, sys
want = {'darwin-x64': '10.13', 'darwin-arm64': '11.0'}
ok = True
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    magic, cputype, _, filetype, ncmds = struct.unpack_from('<IiiII', data, 0)
    minos, offset = None, 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<II', data, offset)
        if cmd == 0x32:
            minos = struct.unpack_from('<I', data, offset + 12)[0]
        elif cmd == 0x24:
            minos = struct.unpack_from('<I', data, offset + 8)[0]
        offset += size
    name = os.path.basename(path)
    arch = {0x01000007: 'x86_64', 0x0100000C: 'arm64'}.get(cputype, hex(cputype))
    version = None if minos is None else f'{minos >> 16}.{(minos >> 8) & 0xff}'
    good = magic == 0xFEEDFACF and filetype == 6 and version == want.get(name.split('.')[1])
    ok = ok and good
    print(f"{name}: Mach-O 64-bit {arch} dylib, macOS {version} minimum{'' if good else ' (WRONG)'}")
sys.exit(0 if ok and len(sys.argv) == 3 else 1)
