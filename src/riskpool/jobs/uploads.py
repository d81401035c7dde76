"""Receiving an import file (the import page and ``POST /api/imports/{kind}``): read in chunks and stopped at
the first chunk past ``RISKPOOL_MAX_UPLOAD_BYTES`` (the rest of the body is not read); a request that says it
is larger than that is refused before any of it is read (:func:`guard`). What type the file is, is the
reader's to say (``riskpool.jobs.services.check_file``)."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from riskpool.jobs.services import JobRefused, max_bytes


def human_size(n: int) -> str:
    from riskpool.web.uploads import human_size as size

    return size(n)


class ImportUploadHandler(FileUploadHandler):
    """Receives the file in chunks; the bytes wait in a temporary file (memory first, disk when large)."""

    chunk_size = 64 * 1024

    def __init__(self, request: HttpRequest | None = None):
        super().__init__(request)
        self.limit = max_bytes()
        self.refusal: JobRefused | None = None

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.size = 0
        self.file = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024, dir=settings.FILE_UPLOAD_TEMP_DIR)

    def receive_data_chunk(self, raw_data: bytes, start: int):
        self.size += len(raw_data)
        if self.size > self.limit:
            self.refusal = JobRefused(
                f"“{self.file_name}”超过 {human_size(self.limit)} 的上限，不予接受。",
                f"“{self.file_name}” is larger than the {human_size(self.limit)} limit and is not accepted.",
                column="file", status=413)
            raise StopUpload(connection_reset=True)
        self.file.write(raw_data)
        return None  # the chunk is ours: no later handler gets it

    def file_complete(self, file_size: int):
        self.file.seek(0)
        return UploadedFile(self.file, self.file_name, self.content_type, self.size, self.charset,
                            self.content_type_extra)


def guard(request: HttpRequest) -> ImportUploadHandler:
    """Before the body is read: refuse (JobRefused, 413) a request that says it is larger than one file may be
    (plus room for the form's other fields); else install the handler."""
    handler = ImportUploadHandler(request)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > handler.limit + 1024 * 1024:
        raise JobRefused(f"上传内容过大（{human_size(length)}）：文件不得超过 {human_size(handler.limit)}。",
                         f"The upload is too large ({human_size(length)}): the file may be at most "
                         f"{human_size(handler.limit)}.", column="file", status=413)
    request.upload_handlers = [handler]
    return handler
