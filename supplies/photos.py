"""What a label photo must be, and what is kept of it.

Only a real JPEG, PNG or WebP picture under MAX_BYTES and MAX_PIXELS is taken. The file is
checked by its first bytes (never its name or the browser's word for its type), decoded in full
by Pillow, and refused if anything follows the picture's end or markup is hidden in it (a
polyglot: a file that is also a page or a script). What is kept is a fresh encoding of the
decoded pixels, turned upright by its orientation tag: no EXIF (location, camera), no
comments, nothing else of the upload survives.

Every refusal is a PhotoRefused with a message for the person who sent it.
"""

import io
import re
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# A phone's camera takes 12 to 50 megapixels; a "decompression bomb" claims far more in a small
# file. Pillow's own limit (Image.MAX_IMAGE_PIXELS) is set higher; this one is checked first.
MAX_PIXELS = 60_000_000
# The longest side kept: enough to read a label, small enough to send to a phone.
KEPT_SIDE = 2400

FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
# Markup a browser or an interpreter would act on, found anywhere in the file.
MARKUP = re.compile(rb"<\s*(script|html|svg|body|iframe|object|embed|\?php|!doctype)", re.I)


class PhotoRefused(ValueError):
    """The upload is not a photo this app keeps; str() says why, for the person."""


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    content_type: str
    extension: str
    width: int
    height: int


def _format_of(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _trailing(data: bytes, kind: str) -> bool:
    """Whether bytes follow the end of the picture (what a polyglot hides there)."""
    if kind == "PNG":
        end = data.rfind(b"IEND")
        return end < 0 or len(data) > end + 8  # the chunk's type, then its 4-byte checksum
    if kind == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return len(data) > declared + (declared % 2)
    end = data.rfind(b"\xff\xd9")
    return end < 0 or data[end + 2 :].strip(b"\x00\r\n ") != b""


def _refuse_type():
    return PhotoRefused(
        _("This file is not a photo: choose a JPEG, PNG or WebP picture of the label.")
    )


def clean_photo(upload) -> CleanPhoto:
    """The upload made safe to keep, or PhotoRefused. `upload` is a file-like object with a
    `size` (an UploadedFile, or a ContentFile when a backup is restored)."""
    if upload.size > MAX_BYTES:
        raise PhotoRefused(
            _(
                "This photo is %(size)s; the largest taken is %(limit)s. Take it again at a lower "
                "resolution, or crop it to the label."
            )
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_BYTES)}
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoRefused(
            _("This photo is larger than %(limit)s.") % {"limit": filesizeformat(MAX_BYTES)}
        )
    kind = _format_of(data[:16])
    if kind is None:
        raise _refuse_type()
    if _trailing(data, kind) or MARKUP.search(data):
        raise PhotoRefused(
            _(
                "This file holds more than a picture, so it is not kept. Take the photo again or "
                "save it anew from your photo app."
            )
        )
    image = _decoded(data, kind)
    return _encoded(image, kind)


def is_bare(data: bytes) -> bool:
    """Whether a picture that clean_photo takes holds nothing but its pixels (no EXIF, XMP,
    comment or text): what this app's own encoding makes, so a restore can keep it as is."""
    with Image.open(io.BytesIO(data)) as image:
        return not image.getexif() and set(image.info) <= ENCODING_INFO


# What Pillow reports of a picture's encoding alone: anything else (EXIF, XMP, comments, text
# chunks, colour profiles) is metadata a kept picture does not hold.
ENCODING_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "progressive",
    "progression",
    "gamma",
    "srgb",
    "loop",
    "background",
    "duration",
    "transparency",
}


def _too_big():
    return PhotoRefused(
        _("This picture is too large to open (more than %(pixels)s million pixels).")
        % {"pixels": MAX_PIXELS // 1_000_000}
    )


def _decoded(data: bytes, kind: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            if image.width * image.height > MAX_PIXELS:
                raise _too_big()
            image.load()  # every pixel: a truncated or corrupt file fails here
            if getattr(image, "n_frames", 1) > 1:
                raise PhotoRefused(_("This is an animation: send a still photo of the label."))
            return ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_big() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, PhotoRefused):
            raise
        raise PhotoRefused(
            _("This picture could not be read: it may be damaged. Take the photo again.")
        ) from None


def _encoded(image: Image.Image, kind: str) -> CleanPhoto:
    image.thumbnail((KEPT_SIDE, KEPT_SIDE))
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif kind != "JPEG" and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    out = io.BytesIO()
    # No exif=, no comment, no text chunks: the saved file holds the pixels only.
    options = {"JPEG": {"quality": 88}, "PNG": {"optimize": True}, "WEBP": {"quality": 88}}
    image.save(out, format=kind, **options[kind])
    content_type, extension = FORMATS[kind]
    return CleanPhoto(
        ContentFile(out.getvalue(), name=f"label{extension}"),
        content_type,
        extension,
        image.width,
        image.height,
    )
