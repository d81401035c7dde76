"""The CJK font the notices are set in, found once and registered with ReportLab once.

Where the font comes from (first that exists):

1. ``RISKPOOL_CJK_FONT`` — a path to a font file with Simplified Chinese glyphs: TrueType (``.ttf``),
   a collection (``.ttc``/``.otc``; its first font) or OpenType/CFF (``.otf``);
2. the Noto Serif SC font (SIL Open Font License 1.1) shipped by the PyPI package
   ``pylopdf-fonts-zh-cn``, a dependency of riskpool.

The font is **embedded** in every PDF (as a subset, ``FontFile2``), so a reader needs no font installed.
ReportLab embeds TrueType (``glyf``) outlines only; Noto Serif SC is OpenType with CFF outlines, so on first
use its outlines are converted once to TrueType quadratics with fontTools (cu2qu, at most 1/1000 em off)
and the result is kept in a cache folder — ``RISKPOOL_FONT_CACHE``, else ``$XDG_CACHE_HOME/riskpool/fonts``
(``~/.cache/riskpool/fonts``), else a folder under the system's temporary directory. That conversion takes
about half a minute once per machine (and per font version); :func:`cjk_font` run at deploy time does it
ahead of the first notice. The cached file is named after the source file's SHA-256, so a new font version
is converted again and a stale cache is never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import threading
from pathlib import Path

__all__ = [
    "FONT_NAME",
    "CJKFont",
    "FontNotFoundError",
    "cjk_font",
    "cjk_font_name",
    "missing_glyphs",
]

#: the name the font is registered under in ReportLab (styles refer to it by this name)
FONT_NAME = "RiskpoolCJK"

ENV_FONT = "RISKPOOL_CJK_FONT"
ENV_CACHE = "RISKPOOL_FONT_CACHE"
PACKAGE = "pylopdf-fonts-zh-cn"
# characters every notice prints: a font without them is not a Simplified Chinese font
_SAMPLE = "贷款还逾期催收风险补偿通知书入库企业推荐表编号依据第条元壹贰叁年月日：，。（）《》〔〕"
# bump when the conversion below changes, so that old cached files are not reused
_CONVERTER_VERSION = "1"


class FontNotFoundError(RuntimeError):
    """No usable CJK font: the package is not installed, or RISKPOOL_CJK_FONT names a bad file."""


@dataclasses.dataclass(frozen=True)
class CJKFont:
    """The registered font: its ReportLab name, family, where it came from and its licence."""

    name: str            # registered ReportLab name (FONT_NAME)
    family: str          # e.g. "Noto Serif SC"
    postscript_name: str  # e.g. "NotoSerifSC-Regular" (the embedded subset is "AAAAAA+" + this)
    source: Path         # the file found
    embedded_from: Path  # the TrueType file ReportLab reads (source itself, or its cached conversion)
    licence: str         # e.g. "SIL Open Font License 1.1"
    licence_file: Path | None  # the licence text shipped with the font, when found


_lock = threading.Lock()
_font: CJKFont | None = None
_ttfont = None  # the registered reportlab TTFont, for glyph coverage checks


def cjk_font() -> CJKFont:
    """Find the CJK font, convert it if needed, register it with ReportLab (once per process)."""
    global _font, _ttfont
    if _font is not None:
        return _font
    with _lock:
        if _font is None:
            source, licence_file = _find_source()
            ttf_path, subfont = _truetype_for(source)
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont, TTFError

            try:
                tt = TTFont(FONT_NAME, str(ttf_path), subfontIndex=subfont)
            except TTFError as e:
                raise FontNotFoundError(f"CJK font {source}: ReportLab cannot embed it: {e}") from None
            family, psname, licence = _describe(ttf_path, subfont)
            lacking = [c for c in _SAMPLE if ord(c) not in tt.face.charToGlyph]
            if lacking:
                raise FontNotFoundError(f"CJK font {source} ({family}) has no glyph for {''.join(lacking)!r}: "
                                        "it is not a Simplified Chinese font")
            pdfmetrics.registerFont(tt)
            _ttfont = tt
            _font = CJKFont(name=FONT_NAME, family=family, postscript_name=psname, source=source,
                            embedded_from=ttf_path, licence=licence, licence_file=licence_file)
    return _font


def cjk_font_name() -> str:
    """The registered ReportLab font name, registering the font first if needed."""
    return cjk_font().name


def missing_glyphs(text: str) -> list[str]:
    """The distinct characters of ``text`` the font has no glyph for (whitespace and controls ignored)."""
    cjk_font()
    c2g = _ttfont.face.charToGlyph
    seen: list[str] = []
    for ch in text:
        if ch.isspace() or ord(ch) < 0x20 or ch in seen:
            continue
        if ord(ch) not in c2g:
            seen.append(ch)
    return seen


# --- finding ---------------------------------------------------------------------------------------------

def _find_source() -> tuple[Path, Path | None]:
    configured = os.environ.get(ENV_FONT, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise FontNotFoundError(f"{ENV_FONT}={configured!r}: no such font file")
        return path, None
    try:
        import pylopdf_fonts_zh_cn  # the Noto Serif SC / Noto Sans SC fonts, OFL-1.1
    except ImportError:
        raise FontNotFoundError(
            "no CJK font for PDF notices: install riskpool's dependencies (`pip install -e .`, which "
            f"brings the PyPI package {PACKAGE!r} with Noto Serif SC), or set {ENV_FONT} to a TrueType "
            "or OpenType font file with Simplified Chinese glyphs") from None
    path = Path(pylopdf_fonts_zh_cn.serif_path())
    if not path.is_file():
        raise FontNotFoundError(f"package {PACKAGE!r} is installed but its font {path} is missing; "
                                f"reinstall it (`pip install --force-reinstall {PACKAGE}`)")
    return path, _licence_file_of_package()


def _licence_file_of_package() -> Path | None:
    from importlib import metadata

    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if "LICENSE" in f.name.upper() or "OFL" in f.name.upper():
            p = Path(str(dist.locate_file(f)))
            if p.is_file():
                return p
    return None


# --- making a TrueType file ReportLab can embed ------------------------------------------------------------

def _truetype_for(source: Path) -> tuple[Path, int]:
    """(a TrueType-outline file for ``source``, the index of the font in it)."""
    with open(source, "rb") as fh:
        magic = fh.read(4)
    if magic in (b"\x00\x01\x00\x00", b"true"):
        return source, 0
    if magic == b"ttcf":
        from fontTools.ttLib import TTFont

        if "glyf" in TTFont(str(source), fontNumber=0, lazy=True):
            return source, 0
        return _converted(source, font_number=0), 0
    if magic == b"OTTO":
        return _converted(source, font_number=-1), 0
    raise FontNotFoundError(f"CJK font {source}: not a TrueType or OpenType font file")


def cache_dir() -> Path:
    configured = os.environ.get(ENV_CACHE, "").strip()
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "riskpool" / "fonts"


def _cache_candidates() -> list[Path]:
    folders = [cache_dir()]
    if not os.environ.get(ENV_CACHE, "").strip():
        uid = os.getuid() if hasattr(os, "getuid") else "user"
        folders.append(Path(tempfile.gettempdir()) / f"riskpool-fonts-{uid}")
    return folders


def _writable_cache_dir() -> Path:
    candidates = _cache_candidates()
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
                pass
            return folder
        except OSError:
            continue
    raise FontNotFoundError(f"no writable folder for the converted CJK font (tried {candidates[0]}); "
                            f"set {ENV_CACHE} to a writable folder")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _converted(source: Path, *, font_number: int) -> Path:
    """The cached TrueType conversion of a CFF-outline font, made now if not there yet."""
    key = _sha256(source)[:20]
    name = f"{source.stem}-{key}-n{max(font_number, 0)}-c{_CONVERTER_VERSION}.ttf"
    for folder in _cache_candidates():
        if (folder / name).is_file():
            return folder / name
    folder = _writable_cache_dir()
    target = folder / name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{source.stem}-", suffix=".tmp")
    os.close(fd)
    try:
        _cff_to_truetype(source, Path(tmp), font_number=font_number)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # atomic: concurrent converters each write whole files
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def _cff_to_truetype(source: Path, target: Path, *, font_number: int, max_err: float = 1.0) -> None:
    """Rewrite a CFF-outline OpenType font as TrueType: cubic curves → quadratic (fontTools cu2qu).

    Follows fontTools' otf2ttf recipe. Layout and vertical tables the PDF embedding does not use are
    dropped; names, metrics, OS/2 and cmap are kept."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(source), fontNumber=font_number) if font_number >= 0 else TTFont(str(source))
    if "CFF " not in font:
        raise FontNotFoundError(f"CJK font {source}: neither TrueType nor CFF outlines (CFF2 is not supported)")
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for gname in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[gname].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[gname] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG", "DSIG", "BASE", "GSUB", "GPOS", "GDEF", "vhea", "vmtx"):
        if tag in font:
            del font[tag]
    hmtx = font["hmtx"]
    for gname, glyph in glyphs.items():  # TrueType: left side bearing = xMin of the outline
        glyph.recalcBounds(glyf)
        advance, _ = hmtx.metrics[gname]
        hmtx.metrics[gname] = (advance, glyph.xMin if glyph.numberOfContours else 0)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions"):
        setattr(maxp, attr, 0)
    maxp.maxComponentElements = max((len(getattr(g, "components", ()) or ()) for g in glyphs.values()),
                                    default=0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 3.0  # no glyph names: not needed for embedding, keeps the file small
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(target))


def _describe(path: Path, subfont: int) -> tuple[str, str, str]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=subfont, lazy=True) if path.suffix.lower() in (".ttc", ".otc") \
        else TTFont(str(path), lazy=True)
    names = font["name"]
    family = names.getBestFamilyName() or path.stem
    psname = str(names.getName(6, 3, 1, 0x409) or names.getName(6, 1, 0, 0) or path.stem)
    lic = names.getDebugName(13) or ""
    licence = "SIL Open Font License 1.1" if "Open Font License" in lic else (lic.split(".")[0] or "unknown")
    return family, psname, licence
