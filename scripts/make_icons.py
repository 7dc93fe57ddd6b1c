"""Draws the app's home-screen icons (static/icons/*.png) with Pillow (a dev
dependency). Run again only to change them:

    .venv/bin/python scripts/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
BLUE = (13, 110, 253)  # Bootstrap's primary, the app's navbar
WHITE = (255, 255, 255)


def icon(size: int, *, maskable: bool = False) -> Image.Image:
    """A white drop with "B12" on the app's blue. A maskable icon keeps everything inside the
    central 80% that launchers may crop to."""
    image = Image.new("RGB", (size, size), BLUE)
    draw = ImageDraw.Draw(image)
    scale = 0.8 if maskable else 1.0
    # The drop: a circle and the two tangents to it from the tip above.
    cx, cy, r = size / 2, size * (0.5 + 0.12 * scale), size * 0.25 * scale
    tip = size * (0.5 - 0.38 * scale)
    d = cy - tip
    half = r * (1 - (r / d) ** 2) ** 0.5
    touch = cy - r * r / d
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=WHITE)
    draw.polygon([(cx, tip), (cx - half, touch), (cx + half, touch)], fill=WHITE)
    font = ImageFont.load_default(size=int(r * 0.8))
    draw.text((cx, cy + r * 0.1), "B12", fill=BLUE, font=font, anchor="mm")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192).save(OUT / "icon-192.png", optimize=True)
    icon(512).save(OUT / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
