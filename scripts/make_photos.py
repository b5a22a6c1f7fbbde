#!/usr/bin/env python3
"""Writes COUNT distinct 1024x1024 photo-like JPEGs (sky, sun, hills, texture, sensor noise) to DIR.

    python3 scripts/make_photos.py DIR COUNT

Each file is the same scene shifted sideways, so every file (and its ETag) differs. Needs cjpeg
(Debian's libjpeg-turbo-progs).
"""
import math, random, subprocess, sys
out, count = sys.argv[1], int(sys.argv[2])
w = h = 1024
rnd = random.Random(7)
noise = bytes(rnd.randrange(0, 17) for _ in range(4096))
ridge = [int(h * 0.55 + 60 * math.sin(x / 97) + 25 * math.sin(x / 23 + 1)) for x in range(w)]
rows = []
for y in range(h):
    row = bytearray(w * 3)
    for x in range(w):
        n = noise[(x * 31 + y * 17) & 4095] - 8
        if y < ridge[x]:
            d = math.hypot(x - 780, y - 190)
            if d < 70:
                r, g, b = 255, 236, 170
            else:
                t = y / h
                glow = max(0.0, 1 - d / 420) * 60
                r, g, b = 70 + 90 * t + glow, 120 + 80 * t + glow * 0.8, 220 - 40 * t + glow * 0.3
        else:
            t = (y - ridge[x]) / h
            tex = 18 * math.sin(x / 5.0 + y / 7.0) * math.cos(y / 11.0)
            r, g, b = 60 + 90 * t + tex, 110 + 40 * t + tex, 40 + 30 * t + tex / 2
        row[3 * x:3 * x + 3] = bytes(max(0, min(255, int(v + n))) for v in (r, g, b))
    rows.append(bytes(row))
pixels = b"".join(rows)
header = b"P6 %d %d 255\n" % (w, h)
for i in range(count):
    # Each copy is the scene shifted sideways, so every file (and its ETag) differs.
    shift = (i * 37 % w) * 3
    variant = pixels[shift:] + pixels[:shift] if shift else pixels
    with open(f"{out}/photo-{i:04d}.jpg", "wb") as f:
        subprocess.run(["cjpeg", "-quality", "90", "-optimize"], input=header + variant, stdout=f, check=True)
