"""Uploads for the request tests: real images made with Pillow, and impostors."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from trellis.issues.photos import CheckedPhoto, request_photos_check

GPS_IFD = 0x8825


def image_bytes(image_format: str = "PNG", *, size: tuple[int, int] = (8, 6), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 60)).save(out, image_format, **options)
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def png(name: str = "garden.png", **kwargs) -> SimpleUploadedFile:
    return upload(name, image_bytes("PNG", **kwargs))


def jpeg_with_location(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    """A phone photo: EXIF with where it was taken, and "turn me" (orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    content = image_bytes("JPEG", size=(8, 6), exif=exif, comment=b"12 Oak Lane")
    return upload(name, content, "image/jpeg")


def text_named_jpg() -> SimpleUploadedFile:
    return upload("photo.jpg", b"This is not a photo, only text.\n", "image/jpeg")


def checked(contact, *uploads: SimpleUploadedFile) -> list[CheckedPhoto]:
    """Photos as the services take them: through the check the portal's form runs."""
    return request_photos_check(contact=contact, photos=list(uploads))


def png_claiming(width: int, height: int, *, pixels: bool = True) -> bytes:
    """A one-bit PNG whose header says `width` x `height`: all black, so it
    compresses to a few kilobytes however many pixels it has. Without `pixels`
    its image data is garbage: only a decoder would find out."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    if pixels:
        row = b"\x00" * (1 + (width + 7) // 8)  # filter "none", then the row's bits
        packer = zlib.compressobj(9)
        data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    else:
        data = b"x\x9c" + b"\xff" * 50  # a zlib header, then a stream that breaks
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
