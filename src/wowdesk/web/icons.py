"""WowDesk's app icon: a white speech bubble with three dots on a blue rounded square.

The SVG is the source; the PNG sizes that installable web apps need (192 and 512 pixels, plain
and "maskable" with the safe-zone padding) are drawn from the same shapes on first request —
signed distances with one pixel of anti-aliasing — and kept in memory."""

from __future__ import annotations

import math
import struct
import zlib
from functools import cache

BLUE = (29, 78, 216)
WHITE = (255, 255, 255)

# The bubble, in units of the icon's side (0..1): body, tail, dots.
BODY = (0.2, 0.24, 0.8, 0.66, 0.11)  # x0, y0, x1, y1, corner radius
TAIL = ((0.3, 0.6), (0.3, 0.8), (0.48, 0.64))
DOTS = ((0.36, 0.45), (0.5, 0.45), (0.64, 0.45))
DOT_R = 0.045


def svg() -> str:
    x0, y0, x1, y1, r = (round(v * 512) for v in BODY)
    tail = " ".join(f"{round(x * 512)},{round(y * 512)}" for x, y in TAIL)
    dots = "".join(
        f'<circle cx="{round(x * 512)}" cy="{round(y * 512)}" r="{round(DOT_R * 512)}" fill="#1d4ed8"/>'
        for x, y in DOTS
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">'
        '<rect width="512" height="512" rx="112" fill="#1d4ed8"/>'
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{r}" fill="#fff"/>'
        f'<polygon points="{tail}" fill="#fff"/>{dots}</svg>'
    )


def _rounded_box(px: float, py: float, x0: float, y0: float, x1: float, y1: float, r: float) -> float:
    """Signed distance to a rounded rectangle (negative inside)."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2 - r, (y1 - y0) / 2 - r
    qx, qy = abs(px - cx) - hx, abs(py - cy) - hy
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


def _triangle(px: float, py: float, pts: tuple[tuple[float, float], ...]) -> float:
    """Signed distance to a triangle (negative inside)."""
    d = math.inf
    sign = 0
    for i in range(3):
        (ax, ay), (bx, by) = pts[i], pts[(i + 1) % 3]
        ex, ey = bx - ax, by - ay
        wx, wy = px - ax, py - ay
        t = max(0.0, min(1.0, (wx * ex + wy * ey) / (ex * ex + ey * ey)))
        d = min(d, math.hypot(wx - ex * t, wy - ey * t))
        cross = ex * wy - ey * wx
        sign += 1 if cross > 0 else -1
    return -d if abs(sign) == 3 else d


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _coverage(distance_px: float) -> float:
    return max(0.0, min(1.0, 0.5 - distance_px))


@cache
def png(size: int, maskable: bool = False) -> bytes:
    """The icon as a PNG of `size` pixels. Maskable: full-bleed background, the bubble inside the
    central 80 % safe zone."""
    scale = 0.8 if maskable else 1.0
    offset = (1 - scale) / 2
    rows = bytearray()
    px_unit = 1.0 / size
    for y in range(size):
        rows.append(0)  # filter: none
        v = (y + 0.5) / size
        for x in range(size):
            u = (x + 0.5) / size
            if maskable:
                alpha, color = 1.0, BLUE
            else:
                alpha = _coverage(_rounded_box(u, v, 0, 0, 1, 1, 0.22) / px_unit)
                color = BLUE
            bu, bv = (u - offset) / scale, (v - offset) / scale
            unit = px_unit / scale
            bubble = min(_rounded_box(bu, bv, *BODY), _triangle(bu, bv, TAIL)) / unit
            white = _coverage(bubble)
            if white > 0:
                dot = min(math.hypot(bu - dx, bv - dy) - DOT_R for dx, dy in DOTS) / unit
                white *= 1 - _coverage(dot)
                color = _mix(BLUE, WHITE, white)
            rows += bytes((*color, round(alpha * 255)))
    raw = zlib.compress(bytes(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
