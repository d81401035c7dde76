"""A 200 MB upload is refused without being read to its end: the upload handler reads the body in chunks and
stops at the first chunk past the limit (20 MB by default), and at the first chunk of a refused type."""

from django.http.multipartparser import MultiPartParser

from riskpool.web import uploads

BOUNDARY = "----riskpool-test-boundary"
MB = 1024 * 1024


class LazyBody:
    """A multipart body with one file of ``size`` bytes (starting with ``head``), made as it is read; counts
    what was read."""

    def __init__(self, size: int, head: bytes = b"%PDF-1.7\n"):
        self.parts = [
            (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk-1\r\n"
             f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc_application\"; filename=\"huge.pdf\"\r\n"
             "Content-Type: application/pdf\r\n\r\n").encode(),
            head,
        ]
        self.filler = size - len(head)
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = sum(len(p) for p in self.parts) + self.filler + len(self.tail)
        self.read_bytes = 0
        self.buffer = b""

    def read(self, n: int = -1) -> bytes:
        while len(self.buffer) < n and (self.parts or self.filler or self.tail):
            if self.parts:
                self.buffer += self.parts.pop(0)
            elif self.filler:
                take = min(self.filler, 1 * MB)
                self.buffer += b"0" * take
                self.filler -= take
            else:
                self.buffer, self.tail = self.buffer + self.tail, b""
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        self.read_bytes += len(out)
        return out


def parse(body: LazyBody, limit: int) -> uploads.GuardedUploadHandler:
    handler = uploads.GuardedUploadHandler(None, limit=limit)
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(body.length)}
    post, files = MultiPartParser(meta, body, [handler], "utf-8").parse()
    assert "doc_application" not in files  # the refused file is not handed to the view
    return handler


def test_a_200_mb_file_is_refused_after_reading_little_more_than_the_limit():
    body = LazyBody(200 * MB)
    handler = parse(body, limit=20 * MB)
    assert handler.refusal is not None and "20 MB" in handler.refusal.zh and "20 MB" in handler.refusal.en
    assert body.read_bytes < 21 * MB  # not 200 MB
    assert handler.received <= 20 * MB + handler.chunk_size


def test_a_refused_type_stops_at_the_first_chunk():
    body = LazyBody(200 * MB, head=b"PK\x03\x04\x14\x00")
    handler = parse(body, limit=500 * MB)
    assert handler.refusal is not None and "ZIP" in handler.refusal.zh
    assert body.read_bytes < 1 * MB


def test_a_declared_oversize_request_is_refused_before_reading():
    from django.test import RequestFactory

    class Untouchable:
        def read(self, *a):
            raise AssertionError("the body was read")

        readline = read

    request = RequestFactory().generic("POST", "/claims/new/X/", b"", content_type="multipart/form-data; boundary=x",
                                       CONTENT_LENGTH=str(200 * MB), **{"wsgi.input": Untouchable()})
    handler, refusal = uploads.guard(request, max_files=4)
    assert refusal is not None and "上传内容过大" in refusal.zh and "too large" in refusal.en
    # within what four files may add up to, the handler is installed and nothing is read yet either
    request = RequestFactory().generic("POST", "/claims/new/X/", b"", content_type="multipart/form-data; boundary=x",
                                       CONTENT_LENGTH=str(50 * MB), **{"wsgi.input": Untouchable()})
    handler, refusal = uploads.guard(request, max_files=4)
    assert refusal is None and request.upload_handlers == [handler]
