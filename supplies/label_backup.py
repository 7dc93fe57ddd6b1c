"""Label photos in a patient's JSON backup (records/backup.py): each photo's row carries its
picture as base64 (`content_base64`), and a restore writes it back to the labels storage.

What is restored goes through the same checks as an upload (supplies/photos.py): a backup file
is no way to put anything but a clean picture in the storage. A picture with no metadata (as
this app encodes them) is kept byte for byte; any other is re-encoded. A file's name is kept
when it is a name this app makes and is free; otherwise the picture gets a new one.
"""

import base64
import binascii
import re
from dataclasses import replace

from django.core.files.base import ContentFile

from .models import LabelPhoto, label_path
from .photos import PhotoRefused, clean_photo, is_bare

MODEL = "supplies.labelphoto"
KEY = "content_base64"
OUR_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def _storage():
    return LabelPhoto._meta.get_field("image").storage


def add_pictures(rows: list[dict]) -> None:
    """Put each label photo row's picture in it (a photo whose file is gone has none)."""
    storage = _storage()
    for row in rows:
        if row.get("model") != MODEL:
            continue
        try:
            with storage.open(row["fields"]["image"], "rb") as handle:
                row[KEY] = base64.b64encode(handle.read()).decode("ascii")
        except (OSError, ValueError):
            row[KEY] = None


def take_pictures(rows: list[dict]) -> dict:
    """Take the pictures out of the rows (the deserializer knows no such field), checked:
    {pk: CleanPhoto}. Raises ValueError naming the row for anything that is not a photo."""
    pictures = {}
    for row in rows:
        if not isinstance(row, dict) or row.get("model") != MODEL:
            continue
        encoded = row.pop(KEY, None)
        if not encoded:
            raise ValueError(f"{MODEL} {row.get('pk')}: the photo is missing; nothing was imported")
        try:
            data = base64.b64decode(encoded, validate=True)
            clean = clean_photo(_Bytes(data))
            if is_bare(data):  # this app's own encoding: kept byte for byte
                clean = replace(clean, content=ContentFile(data, name=clean.content.name))
            pictures[row.get("pk")] = clean
        except (binascii.Error, TypeError, PhotoRefused) as exc:
            raise ValueError(f"{MODEL} {row.get('pk')}: {exc}; nothing was imported") from None
    return pictures


class _Bytes:
    """Bytes read as an upload is (clean_photo wants a size, seek and read)."""

    def __init__(self, data: bytes):
        self.data, self.size, self.at = data, len(data), 0

    def seek(self, at):
        self.at = at

    def read(self, count=-1):
        chunk = self.data[self.at :] if count < 0 else self.data[self.at : self.at + count]
        self.at += len(chunk)
        return chunk


def write_pictures(photos: list, pictures: dict) -> list[str]:
    """Write each restored photo's picture, before its row is saved; returns the names
    written (for the caller to remove if the restore fails)."""
    storage = _storage()
    written = []
    for photo in photos:
        clean = pictures[photo.pk]
        name = photo.image.name or ""
        if not (OUR_NAME.match(name) and name.endswith(clean.extension)) or storage.exists(name):
            name = label_path(photo, clean.content.name)
        name = storage.save(name, clean.content)
        written.append(name)
        photo.image.name = name
        photo.content_type, photo.width, photo.height = (
            clean.content_type,
            clean.width,
            clean.height,
        )
    return written
