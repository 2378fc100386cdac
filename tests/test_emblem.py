"""The EU emblem is drawn from its geometric description, and every logo survives dark mode."""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image

from pipeline.emblem import BLUE, YELLOW, eu_emblem_png, star_centres, star_points

REPO = Path(__file__).resolve().parent.parent


def test_twelve_stars_at_the_hours_of_a_clock_on_a_circle_a_third_of_the_height():
    width, height = 300, 200
    centres = star_centres(width, height)
    assert len(centres) == 12
    for hour, (x, y) in enumerate(centres):
        assert math.isclose(math.hypot(x - 150, y - 100), 200 / 3)
        angle = math.degrees(math.atan2(x - 150, 100 - y)) % 360     # clockwise from twelve o'clock
        assert math.isclose(angle, 30 * hour, abs_tol=1e-9)


def test_each_star_is_regular_with_one_point_up_and_a_radius_of_one_eighteenth():
    points = star_points(0, 0, 200 / 18)
    assert len(points) == 10
    assert math.isclose(points[0][0], 0, abs_tol=1e-9) and points[0][1] < 0          # straight up
    outer = [math.hypot(*p) for p in points[0::2]]
    inner = [math.hypot(*p) for p in points[1::2]]
    assert all(math.isclose(r, 200 / 18) for r in outer)
    # Regular: each inner vertex lies on the line joining two points that are not neighbours.
    (ax, ay), (bx, by), (ix, iy) = points[0], points[4], points[1]
    assert math.isclose((bx - ax) * (iy - ay) - (by - ay) * (ix - ax), 0, abs_tol=1e-9)
    assert len({round(r, 9) for r in inner}) == 1


def test_the_png_is_three_by_two_blue_with_gold_stars_and_always_the_same_bytes():
    data = eu_emblem_png(80)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (120, 80)
    assert image.getpixel((60, 40)) == BLUE and image.getpixel((2, 2)) == BLUE
    top_star = (60, round(40 - 80 / 3))
    assert all(abs(a - b) <= 8 for a, b in zip(image.getpixel(top_star), YELLOW))   # smoothed edges
    assert eu_emblem_png.__wrapped__(80) == data                     # deterministic, not just cached


def test_every_shipped_logo_and_image_is_opaque_so_dark_mode_cannot_make_it_vanish():
    """A transparent logo with dark lettering disappears when a client darkens the background."""
    for path in sorted((REPO / "newsletters" / "assets").rglob("*.png")):
        alpha = Image.open(path).convert("RGBA").getextrema()[3]
        assert alpha == (255, 255), f"{path.relative_to(REPO)} has transparent pixels"


def test_the_wordmark_carries_no_english_funding_statement():
    """The statement is live text beside the emblem, in the reader's language; the old logo had it
    baked in, in English. Its blue band now holds only two lines of lettering (SECON, Interreg Europe)."""
    image = Image.open(REPO / "newsletters/assets/secon-interreg-logo.png").convert("RGB")
    width, height = image.size
    rows_with_ink = [y for y in range(height) if any(image.getpixel((x, y)) != image.getpixel((0, 0))
                                                     for x in range(width // 2, width))]
    assert not rows_with_ink, "lettering in the right half of the wordmark (where the English statement was)"
