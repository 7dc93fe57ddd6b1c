"""Files to upload as label photos: real pictures made with Pillow, and the things a photo
upload must refuse."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def picture(kind: str = "JPEG", size=(64, 48), *, exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[MAKE] = "SecretCamCo"
        data.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 22.0, 7.0), 3: "E", 4: (4.0, 53.0, 0.0)})
        options["exif"] = data.tobytes()
    image.save(out, format=kind, **options)
    return out.getvalue()


def upload(data: bytes, name="label.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_location() -> SimpleUploadedFile:
    return upload(picture("JPEG", exif=True))


def png() -> SimpleUploadedFile:
    return upload(picture("PNG"), "label.png", "image/png")


def webp() -> SimpleUploadedFile:
    return upload(picture("WEBP"), "label.webp", "image/webp")


def bomb() -> SimpleUploadedFile:
    """A small PNG that would take 64 million pixels (and more memory) to open."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")
    return upload(out.getvalue(), "label.png", "image/png")


def svg() -> SimpleUploadedFile:
    return upload(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "label.svg",
        "image/svg+xml",
    )


def renamed_text() -> SimpleUploadedFile:
    return upload(b"Cyanocobalamin 1000 mcg/mL, honest", "label.jpg")


def polyglot() -> SimpleUploadedFile:
    """A real JPEG with a page appended after its end: a picture and a web page at once."""
    return upload(picture("JPEG") + b"<html><script>alert(document.cookie)</script></html>")


def markup_in_comment() -> SimpleUploadedFile:
    """A real PNG whose text chunk carries a script."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, format="PNG", pnginfo=info)
    return upload(out.getvalue(), "label.png", "image/png")
