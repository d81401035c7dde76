"""Claim documents uploaded through the pages: checked while they arrive, stored by their checksum.

* **Type from the bytes, never from the name or the browser's content type**: a PDF starts ``%PDF-``, a JPEG
  ``FF D8 FF``, a PNG ``89 50 4E 47 0D 0A 1A 0A``. Anything else is refused — an executable renamed
  ``.pdf`` too. ZIP and Office files (ZIP, OLE2 ``.doc``/``.xls``), and other archives are refused by their
  signature, so no archive (no zip bomb) is ever opened: nothing here unpacks or parses a file.
* **Size**: at most ``settings.RISKPOOL_MAX_UPLOAD_BYTES`` per file (20 MB by default). The request body is
  read in chunks by :class:`GuardedUploadHandler`; the first chunk past the limit (or the first chunk of a
  refused type) stops the upload at once, without reading the rest (``StopUpload(connection_reset=True)``).
  A request whose declared length is beyond what its files may add up to is refused before any of it is read
  (:func:`guard`).
* **Storage**: a file is written under ``settings.MEDIA_ROOT`` as ``claims/<sha256[:2]>/<sha256>-<random>.<ext>``
  plus a random part (each request writes its own file; written to a temporary name, then renamed: never half
  a file under the final name), only once the whole request has been checked; :func:`discard` removes what one
  request wrote if its command is then refused, so a refused request leaves no file behind.

A refusal is a :class:`Refusal`: the field, the file's name, and the message in Chinese and English.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

__all__ = ["ALLOWED", "Refusal", "CheckedFile", "GuardedUploadHandler", "guard", "sniff", "max_bytes", "store",
           "discard", "Stored", "human_size", "path_of", "digest_of"]

#: the types accepted: content type → (signature, file extension)
ALLOWED: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}

#: signatures refused with their own message: archives and Office files (never opened), executables
ARCHIVES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP/Office"), (b"PK\x05\x06", "ZIP"), (b"PK\x07\x08", "ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office (OLE2)"), (b"Rar!\x1a\x07", "RAR"), (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
)
EXECUTABLES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "Windows"), (b"\x7fELF", "ELF"), (b"\xcf\xfa\xed\xfe", "Mach-O"), (b"\xce\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O/Java"), (b"#!", "script"),
)
_HEAD = 16  # bytes enough to tell every signature above


def max_bytes() -> int:
    return int(getattr(settings, "RISKPOOL_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{n} B"


def sniff(head: bytes) -> str | None:
    """The accepted content type these first bytes begin, or None."""
    for content_type, (signature, _ext) in ALLOWED.items():
        if head.startswith(signature):
            return content_type
    return None


@dataclass(frozen=True)
class Refusal:
    """An upload refused: which field and file, and why (Chinese and English)."""

    field: str
    name: str
    zh: str
    en: str

    @property
    def message(self) -> str:
        return f"{self.zh} {self.en}"


def _refuse_type(field: str, name: str, head: bytes) -> Refusal:
    for signature, kind in ARCHIVES:
        if head.startswith(signature):
            return Refusal(field, name, f"“{name}”是压缩包或 Office 文件（{kind}），不予接受：请上传 PDF、JPEG 或 PNG 文件。",
                           f"“{name}” is an archive or Office file ({kind}) and is not accepted: upload a PDF, "
                           "JPEG or PNG file.")
    for signature, kind in EXECUTABLES:
        if head.startswith(signature):
            return Refusal(field, name, f"“{name}”是可执行文件或脚本（{kind}），不予接受：只接受 PDF、JPEG、PNG 文件"
                                        "（按文件内容判断，不看扩展名）。",
                           f"“{name}” is an executable or script ({kind}) and is not accepted: only PDF, JPEG and "
                           "PNG files are (judged by the file's content, not its name).")
    return Refusal(field, name, f"“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，不看扩展名），不予接受。",
                   f"“{name}” is not a PDF, JPEG or PNG file (judged by the file's content, not its name) and is "
                   "not accepted.")


def _refuse_size(field: str, name: str, limit: int) -> Refusal:
    return Refusal(field, name, f"“{name}”超过单个文件 {human_size(limit)} 的上限，不予接受。",
                   f"“{name}” is larger than the {human_size(limit)} limit for one file and is not accepted.")


def _refuse_empty(field: str, name: str) -> Refusal:
    return Refusal(field, name, f"“{name}”是空文件，不予接受。", f"“{name}” is empty and is not accepted.")


class CheckedFile(UploadedFile):
    """An upload that passed the checks: ``content_type`` is the sniffed type, ``sha256`` its checksum; the
    bytes wait in a temporary file (memory first, disk when large) that is gone when the request ends."""

    def __init__(self, file, name: str, content_type: str, size: int, sha256: str, field_name: str):
        super().__init__(file, name, content_type, size, None, None)
        self.sha256 = sha256
        self.field_name = field_name

    @property
    def extension(self) -> str:
        return ALLOWED[self.content_type][1]


class GuardedUploadHandler(FileUploadHandler):
    """Receives each file in chunks, checks its signature on the first bytes and its size on every chunk, and
    stops the whole upload at the first refusal (the rest of the body is not read)."""

    chunk_size = 64 * 1024

    def __init__(self, request: HttpRequest | None = None, limit: int | None = None):
        super().__init__(request)
        self.limit = max_bytes() if limit is None else limit
        self.refusal: Refusal | None = None
        self.received = 0  # bytes of files received, all files together (what was read of them)

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.head = b""
        self.size = 0
        self.digest = hashlib.sha256()
        self.sniffed: str | None = None
        self.file = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024, dir=settings.FILE_UPLOAD_TEMP_DIR)
        if content_length is not None and content_length > self.limit:  # a part that says it is too large
            self._stop(_refuse_size(field_name, file_name, self.limit))

    def _stop(self, refusal: Refusal):
        self.refusal = refusal
        raise StopUpload(connection_reset=True)

    def _check_head(self, final: bool) -> None:
        if self.sniffed is not None:
            return
        if len(self.head) >= _HEAD or final:
            self.sniffed = sniff(self.head)
            if self.sniffed is None:
                if final and not self.head:
                    self._stop(_refuse_empty(self.field_name, self.file_name))
                self._stop(_refuse_type(self.field_name, self.file_name, self.head))

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.size += len(raw_data)
        self.received += len(raw_data)
        if self.size > self.limit:
            self._stop(_refuse_size(self.field_name, self.file_name, self.limit))
        if self.sniffed is None:
            self.head += raw_data[: _HEAD - len(self.head)]
            self._check_head(final=False)
        self.digest.update(raw_data)
        self.file.write(raw_data)
        return None  # the chunk is ours: no later handler gets it

    def file_complete(self, file_size: int):
        self._check_head(final=True)
        self.file.seek(0)
        return CheckedFile(self.file, self.file_name, self.sniffed, self.size, self.digest.hexdigest(),
                           self.field_name)


def guard(request: HttpRequest, max_files: int) -> tuple[GuardedUploadHandler, Refusal | None]:
    """Before the body is read: install the checking handler, and refuse at once a request whose declared
    length is beyond ``max_files`` files of the largest size (plus room for the form's other fields)."""
    handler = GuardedUploadHandler(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    allowed = max(1, max_files) * handler.limit + 1024 * 1024
    if length > allowed:
        return handler, Refusal("", "", f"上传内容过大（{human_size(length)}）：每个文件不得超过 {human_size(handler.limit)}。",
                                f"The upload is too large ({human_size(length)}): each file may be at most "
                                f"{human_size(handler.limit)}.")
    request.upload_handlers = [handler]
    return handler, None


# ----------------------------------------------------------------------------- storage

@dataclass(frozen=True)
class Stored:
    """A file this request wrote under MEDIA_ROOT (``relative`` to it)."""

    upload: CheckedFile
    relative: str


def path_of(relative: str) -> Path:
    """The absolute path of a stored file; refuses a path that would leave MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    p = (root / relative).resolve()
    if root not in p.parents:
        raise ValueError(f"stored path {relative!r} is outside MEDIA_ROOT")
    return p


def store(upload: CheckedFile) -> Stored:
    """Write an accepted upload as ``claims/<aa>/<sha256>-<random>.<ext>``: each request writes its own file
    (so removing a refused request's files never touches another's), first under a temporary name."""
    relative = f"claims/{upload.sha256[:2]}/{upload.sha256}-{secrets.token_hex(6)}.{upload.extension}"
    target = path_of(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        upload.seek(0)
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return Stored(upload, relative)


def discard(stored: list[Stored]) -> None:
    """Remove files this request wrote and no record keeps (a refused command leaves nothing on disk)."""
    for s in stored:
        try:
            path_of(s.relative).unlink()
        except FileNotFoundError:
            pass


def digest_of(relative: str) -> str:
    """The SHA-256 of a stored file, read in chunks (a download checks it against the record)."""
    h = hashlib.sha256()
    with open(path_of(relative), "rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()
