"""The EU emblem, drawn from its published geometric description rather than downloaded.

Every Interreg edition must show the emblem beside "Co-funded by the European Union" in the
reader's language. The emblem's construction is public (europa.eu, "Geometrical
description"): a blue rectangle 3:2; twelve gold five-pointed stars on an invisible circle
whose radius is a third of the height, at the positions of the hours on a clock face; each
star's points on a circle whose radius is one eighteenth of the height, one point straight
up. Colours: Reflex Blue and Yellow, #003399 and #FFCC00 on screen.

Drawn four times larger and scaled down, so the stars' edges are smooth at e-mail sizes.
Pillow writes the same bytes for the same drawing, so a build stays byte-identical.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

BLUE = (0x00, 0x33, 0x99)
YELLOW = (0xFF, 0xCC, 0x00)
EMBLEM_PATH = "assets/eu-emblem.png"   # where the build writes it, beside the other assets
# Shown 60 x 40 px in the edition; the file has twice the pixels for high-density screens.
EMBLEM_SHOWN = (60, 40)
_SUPERSAMPLE = 4


def star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    """A regular five-pointed star, one point up: outer and inner vertices alternating.

    The inner vertices are where the lines joining alternate points cross, which is what
    makes the star regular: inner radius = outer * cos(72°) / cos(36°) (about 0.38).
    """
    inner = outer * math.cos(math.radians(72)) / math.cos(math.radians(36))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)     # -90°: straight up in image coordinates
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def star_centres(width: float, height: float) -> list[tuple[float, float]]:
    """The twelve stars at the hours of a clock, on a circle of radius height/3."""
    cx, cy, radius = width / 2, height / 2, height / 3
    return [(cx + radius * math.sin(math.radians(30 * hour)), cy - radius * math.cos(math.radians(30 * hour)))
            for hour in range(12)]


@lru_cache(maxsize=4)
def eu_emblem_png(height: int = EMBLEM_SHOWN[1] * 2) -> bytes:
    """The emblem as PNG bytes, `height` pixels high and 1.5 times as wide."""
    from PIL import Image, ImageDraw

    width = height * 3 // 2
    big_w, big_h = width * _SUPERSAMPLE, height * _SUPERSAMPLE
    image = Image.new("RGB", (big_w, big_h), BLUE)
    draw = ImageDraw.Draw(image)
    for x, y in star_centres(big_w, big_h):
        draw.polygon(star_points(x, y, big_h / 18), fill=YELLOW)
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


__all__ = ["eu_emblem_png", "EMBLEM_PATH", "EMBLEM_SHOWN", "star_centres", "star_points"]
