"""PDF notices (riskpool.documents): each builder gives a valid PDF, the CJK font is embedded (FontFile2, no
non-embedded CID font such as STSong-Light), the text a reader extracts holds the key Chinese strings and
the amounts, and bad input is refused with a ValueError naming the field.

The first run on a machine converts the font once (about half a minute; see docs/documents.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import subprocess
import zlib
from decimal import Decimal

import pytest

from riskpool.documents import fonts
from riskpool.documents.notices import (
    CompensationNotice,
    DocumentError,
    Fund,
    Loan,
    LossShare,
    OverdueNotice,
    Party,
    RecommendationForm,
    RepaymentNotice,
    compensation_notice,
    format_amount,
    format_date,
    format_rate,
    overdue_notice,
    recommendation_form,
    repayment_notice,
    rmb_in_words,
)

D = Decimal
KEZHOU = Fund("克州产业发展风险补偿资金", "克州产业发展风险补偿资金管理办法", "克州财信融资担保有限责任公司")
KUNSHAN = Fund("昆山市综合风险池", "“昆育融”风险补偿产品实施细则", "昆山市创杰资产管理服务有限公司", manager_title="管理人")
LENDER = Party("阿图什丝路银行股份有限公司", uscc="91653000MA78K2Q5XH")
BORROWER = Party("克州帕米尔新材料科技有限公司", uscc="91653001MA78XK3P59")
GUARANTOR = Party("克州财信融资担保有限责任公司", uscc="91653001MA79BC3D17")
LOAN = Loan("ATS-2025-JK-0318", D("8000000.00"), dt.date(2025, 4, 10), dt.date(2026, 4, 10), D("0.0385"))


def repayment() -> RepaymentNotice:
    return RepaymentNotice(
        fund=KEZHOU, doc_no="丝路银克还通〔2026〕第017号", issued_on=dt.date(2026, 3, 16), lender=LENDER,
        borrower=BORROWER, loan=LOAN, principal_due=D("8000000.00"), interest_due=D("25666.67"),
        repayment_account="户名：克州帕米尔新材料科技有限公司；开户行：阿图什丝路银行营业部；账号：6530 0100 0123 4567 89")


def overdue() -> OverdueNotice:
    return OverdueNotice(
        fund=KEZHOU, doc_no="丝路银克催〔2026〕第005号", issued_on=dt.date(2026, 4, 20), lender=LENDER,
        borrower=BORROWER, loan=LOAN, as_of=dt.date(2026, 4, 20), overdue_principal=D("5200000.00"),
        overdue_interest=D("16683.33"), penalty_interest=D("2503.50"), repay_by=dt.date(2026, 5, 8),
        guarantor=GUARANTOR)


def compensation() -> CompensationNotice:
    return CompensationNotice(
        fund=KEZHOU, doc_no="克财金〔2026〕31号", issued_on=dt.date(2026, 11, 3), issuer="克孜勒苏柯尔克孜自治州财政局",
        lender=LENDER, borrower=BORROWER, loan=LOAN, loss_principal=D("5200000.00"), loss_interest=D("16683.33"),
        shares=(LossShare("风险补偿资金", "克州产业发展风险补偿资金", D("0.50"), D("2608341.66")),
                LossShare("承保担保公司", GUARANTOR.name, D("0.30"), D("1565005.00")),
                LossShare("合作银行", LENDER.name, D("0.20"), D("1043336.67"))),
        compensation=D("2608341.66"), approval="自治州人民政府《关于同意启动风险补偿资金的批复》（克政函〔2026〕88号）",
        guarantor=GUARANTOR, payee_account="户名：阿图什丝路银行股份有限公司；账号：6530 0199 0000 0001 23")


def recommendation() -> RecommendationForm:
    return RecommendationForm(
        fund=KUNSHAN, doc_no="昆育融推〔2026〕第0042号", enterprise="昆山智芯微电子科技有限公司",
        uscc="91320583MA1N7PXK2X", legal_representative="张明远", registered_address="江苏省昆山市玉山镇祖冲之南路1699号",
        industry="集成电路设计", financing_need=D("800"), leased_area=D("1250.5"), planned_investment=D("3500"),
        expected_output=D("12000"), paid_in_capital=D("2000"), core_ip=True, contact="李娜", contact_phone="0512-57771234",
        handler="王磊", handler_phone="0512-57779876", qualifications=(1, 3),
        reason="企业为有效期内的高新技术企业，主导产品为车规级电源管理芯片，拥有发明专利12项。\n"
               "项目已完成流片验证，计划2026年二季度量产；企业建有市级工程技术研究中心。",
        recommender="昆山市玉山镇人民政府", recommended_on=dt.date(2026, 3, 2))


BUILDERS = {
    "repayment": (repayment_notice, repayment),
    "overdue": (overdue_notice, overdue),
    "compensation": (compensation_notice, compensation),
    "recommendation": (recommendation_form, recommendation),
}

EXPECTED_TEXT = {
    "repayment": ["贷款还款通知书", "丝路银克还通〔2026〕第017号", "依据《克州产业发展风险补偿资金管理办法》第十一条",
                  "克州帕米尔新材料科技有限公司", "阿图什丝路银行股份有限公司", "克州财信融资担保有限责任公司",
                  "8,000,000.00", "25,666.67", "8,025,666.67", "2026年4月10日", "展期", "送达回执",
                  "人民币捌佰零贰万伍仟陆佰陆拾陆元陆角柒分"],
    "overdue": ["逾期催收通知书", "依据《克州产业发展风险补偿资金管理办法》第十三条", "已逾期10天",
                "5,200,000.00", "16,683.33", "2,503.50", "5,219,186.83", "2026年5月8日", "扣收", "仲裁、诉讼",
                "抄送：克州财信融资担保有限责任公司"],
    "compensation": ["风险补偿通知书", "依据《克州产业发展风险补偿资金管理办法》第十六条", "克州财信融资担保有限责任公司：",
                     "5个工作日内", "2,608,341.66", "1,565,005.00", "1,043,336.67", "5,216,683.33", "50.00%", "30.00%",
                     "20.00%", "大写：人民币贰佰陆拾万捌仟叁佰肆拾壹元陆角陆分", "克孜勒苏柯尔克孜自治州财政局", "按原渠道返还"],
    "recommendation": ["入库企业推荐表", "依据《“昆育融”风险补偿产品实施细则》第五条、第七条", "昆山智芯微电子科技有限公司",
                       "91320583MA1N7PXK2X", "张明远", "推荐区镇经办人", "经营场地租赁面积（平方米）", "1,250.50",
                       "12,000.00", "800.00", "推荐理由", "推荐机构：昆山市玉山镇人民政府（盖章）", "2026年3月2日",
                       "昆山市创杰资产管理服务有限公司"],
}


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    return {name: build(data()) for name, (build, data) in BUILDERS.items()}


# --- reading the PDFs back ------------------------------------------------------------------------------

def _text(pdf: bytes, tmp_path) -> str:
    """The text a reader extracts: pypdf if installed, else poppler's pdftotext."""
    try:
        import pypdf
    except ImportError:
        pypdf = None
    if pypdf is not None:
        import io

        reader = pypdf.PdfReader(io.BytesIO(pdf))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if shutil.which("pdftotext"):
        path = tmp_path / "doc.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                              capture_output=True).stdout.decode("utf-8")
    pytest.skip("neither pypdf nor pdftotext is available to extract text")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _fonts_raw(pdf: bytes) -> tuple[list[bytes], list[bytes]]:
    """(every /Type /Font dictionary, every /FontDescriptor dictionary), read from the PDF's objects (ReportLab
    writes dictionaries uncompressed; streams may be Flate-compressed)."""
    objects = re.findall(rb"\d+ 0 obj\s*(.*?)endobj", pdf, re.S)
    font_dicts = [o for o in objects if re.search(rb"/Type\s*/Font\b", o)]
    descriptors = [o for o in objects if re.search(rb"/Type\s*/FontDescriptor\b", o)]
    return font_dicts, descriptors


# --- the PDFs -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BUILDERS)
def test_builder_returns_a_valid_pdf(pdfs, name):
    pdf = pdfs[name]
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    pypdf = pytest.importorskip("pypdf")
    import io

    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) >= 1
    assert EXPECTED_TEXT[name][0] in reader.metadata.title


@pytest.mark.parametrize("name", BUILDERS)
def test_cjk_font_is_embedded_and_no_unembedded_font(pdfs, name):
    pdf = pdfs[name]
    assert b"STSong" not in pdf and b"UniGB" not in pdf  # ReportLab's CID fonts are never embedded
    font_dicts, descriptors = _fonts_raw(pdf)
    assert font_dicts, "no font in the PDF"
    base_fonts = {m.group(1) for d in font_dicts for m in [re.search(rb"/BaseFont\s*/([^\s/>]+)", d)] if m}
    psname = re.escape(fonts.cjk_font().postscript_name.encode())
    assert base_fonts and all(re.fullmatch(rb"[A-Z]{6}\+" + psname, b) for b in base_fonts), base_fonts
    assert len(descriptors) == len(font_dicts)  # every font has a descriptor (no base-14 font like Helvetica)
    for d in descriptors:
        assert b"/FontFile2" in d, d  # embedded TrueType program
    # the embedded font programs really are there: decompress one and check it is a TrueType file
    ref = int(re.search(rb"/FontFile2\s+(\d+) 0 R", descriptors[0]).group(1))
    stream = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*stream\r?\n(.*?)endstream" % ref, pdf, re.S)
    data = stream.group(2)
    if b"/FlateDecode" in stream.group(1):
        data = zlib.decompress(data)
    assert data[:4] in (b"\x00\x01\x00\x00", b"true")


def test_embedded_font_seen_by_pypdf(pdfs):
    pypdf = pytest.importorskip("pypdf")
    import io

    for name, pdf in pdfs.items():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                assert font["/BaseFont"].endswith("+" + fonts.cjk_font().postscript_name), (name, font["/BaseFont"])
                assert "/FontFile2" in font["/FontDescriptor"].get_object(), name


@pytest.mark.parametrize("name", BUILDERS)
def test_text_holds_the_key_strings_and_amounts(pdfs, name, tmp_path):
    text = _squash(_text(pdfs[name], tmp_path))
    missing = [s for s in EXPECTED_TEXT[name] if _squash(s) not in text]
    assert not missing, f"{name}: not in the extracted text: {missing}"
    pages = re.findall(r"第(\d+)页共(\d+)页", text)  # the footer's page number on every page
    assert pages and [int(p) for p, _ in pages] == list(range(1, len(pages) + 1))
    assert {int(n) for _, n in pages} == {len(pages)}
    if name in ("repayment", "overdue"):
        assert len(pages) == 2 and "送达回执" in text  # the notice, then the receipt on a page of its own
    else:
        assert len(pages) == 1


@pytest.mark.parametrize("name", BUILDERS)
def test_every_document_carries_the_fund_details(pdfs, name, tmp_path):
    text = _squash(_text(pdfs[name], tmp_path))
    fund = BUILDERS[name][1]().fund
    for s in (fund.fund_name, fund.program_name, fund.manager):
        assert _squash(s) in text, s


@pytest.mark.parametrize("name", BUILDERS)
def test_same_data_same_bytes(pdfs, name):
    build, data = BUILDERS[name]
    assert build(data()) == pdfs[name]


def test_font_is_found_and_registered_once():
    first = fonts.cjk_font()
    assert fonts.cjk_font() is first
    if not os.environ.get(fonts.ENV_FONT):  # the default: Noto Serif SC from pylopdf-fonts-zh-cn
        assert first.family == "Noto Serif SC" and first.postscript_name == "NotoSerifSC-Regular"
        assert first.licence == "SIL Open Font License 1.1"
        assert first.licence_file is not None and "Open Font License" in first.licence_file.read_text()
    assert first.embedded_from.is_file()
    assert fonts.missing_glyphs("克州风险补偿资金　壹贰叁¥，。“”〔〕■□") == []


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.ENV_FONT, str(tmp_path / "nowhere.ttf"))
    with pytest.raises(fonts.FontNotFoundError, match="RISKPOOL_CJK_FONT=.*no such font file"):
        fonts._find_source()
    (tmp_path / "bad.ttf").write_bytes(b"not a font at all")
    with pytest.raises(fonts.FontNotFoundError, match="not a TrueType or OpenType font"):
        fonts._truetype_for(tmp_path / "bad.ttf")


def test_a_font_without_chinese_is_refused(monkeypatch, tmp_path):
    """RISKPOOL_CJK_FONT naming a Latin-only font: refused when registered, not rendered as empty boxes."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "A"])
    fb.setupCharacterMap({ord("A"): "A"})
    pen = TTGlyphPen(None)
    pen.moveTo((0, 0))
    pen.lineTo((500, 700))
    pen.lineTo((0, 700))
    pen.closePath()
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "A": pen.glyph()})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Latin Only", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    latin = tmp_path / "LatinOnly.ttf"
    fb.save(str(latin))
    monkeypatch.setenv(fonts.ENV_FONT, str(latin))
    monkeypatch.setattr(fonts, "_font", None)
    with pytest.raises(fonts.FontNotFoundError, match="not a Simplified Chinese font"):
        fonts.cjk_font()
    monkeypatch.undo()
    assert fonts.cjk_font().family  # the real font again


def test_missing_package_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.delenv(fonts.ENV_FONT, raising=False)
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # as if not installed
    with pytest.raises(fonts.FontNotFoundError, match=r"pip install -e \.[\s\S]*pylopdf-fonts-zh-cn"):
        fonts._find_source()


def test_cff_font_is_converted_to_truetype_and_cached(monkeypatch, tmp_path):
    """The OpenType/CFF → TrueType conversion, on a small subset of the font so that it runs in a second."""
    package = pytest.importorskip("pylopdf_fonts_zh_cn")
    from fontTools import subset
    from fontTools.ttLib import TTFont as FTFont
    from reportlab.pdfbase.ttfonts import TTFont

    text = "风险补偿通知书壹贰叁0123456789,.元"
    small = FTFont(str(package.serif_path()))
    subsetter = subset.Subsetter()
    subsetter.populate(text=text)
    subsetter.subset(small)
    source = tmp_path / "Small-Regular.otf"
    small.save(str(source))
    assert source.read_bytes()[:4] == b"OTTO"

    monkeypatch.setenv(fonts.ENV_CACHE, str(tmp_path / "cache"))
    converted, index = fonts._truetype_for(source)
    assert index == 0 and converted.parent == tmp_path / "cache"
    assert converted.read_bytes()[:4] == b"\x00\x01\x00\x00"
    tt = FTFont(str(converted))
    assert "glyf" in tt and "CFF " not in tt
    assert {ord(c) for c in text} <= set(tt.getBestCmap())
    TTFont("SmallConverted", str(converted))  # ReportLab accepts it
    assert fonts._truetype_for(source) == (converted, 0)  # the second time, from the cache


@pytest.mark.parametrize("name", BUILDERS)
def test_longest_texts_still_lay_out(name):
    """Fields at their longest (names of 200 characters, an 800-character reason) give a PDF, not a layout error."""
    from riskpool.documents.notices import REASON_MAX_LEN

    build, data = BUILDERS[name]
    long = "克州帕米尔新材料科技有限公司" * 15
    n = data()
    if name == "recommendation":
        n = dataclasses.replace(n, enterprise=long[:200], registered_address=long[:200], industry=long[:200],
                                recommender=long[:200], reason=("主导产品为车规级电源管理芯片，" * 60)[:REASON_MAX_LEN])
    else:
        n = dataclasses.replace(n, borrower=dataclasses.replace(BORROWER, name=long[:200]),
                                lender=dataclasses.replace(LENDER, name=long[:200]))
    assert build(n).startswith(b"%PDF-")


# --- formatting -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, words", [
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("1.05", "壹元零伍分"),
    ("10", "壹拾元整"),
    ("15.20", "壹拾伍元贰角"),
    ("100", "壹佰元整"),
    ("1010", "壹仟零壹拾元整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),  # the optional 零 (元位 0) is left out
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("20008", "贰万零捌元整"),
    ("100500", "壹拾万零伍佰元整"),
    ("105000", "壹拾万伍仟元整"),
    ("1000000", "壹佰万元整"),
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ("10000000", "壹仟万元整"),
    ("100000000", "壹亿元整"),
    ("100010000", "壹亿零壹万元整"),
    ("100000001", "壹亿零壹元整"),
    ("2608341.67", "贰佰陆拾万捌仟叁佰肆拾壹元陆角柒分"),
])
def test_amount_in_capitals(amount, words):
    assert rmb_in_words(D(amount)) == words


def test_formats():
    assert format_amount(D("1234567.8")) == "1,234,567.80"
    assert format_amount(D("0")) == "0.00"
    assert format_amount(D("999.995")) == "1,000.00"  # half up, as riskpool.money
    assert format_date(dt.date(2025, 3, 15)) == "2025年3月15日"
    assert format_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert format_rate(D("0.0385")) == "3.85%"
    assert format_rate(D("0.5")) == "50.00%"


# --- bad input ------------------------------------------------------------------------------------------

BAD = [
    ("repayment", lambda n: dataclasses.replace(n, principal_due=D("-1")), r"principal_due: expected an amount"),
    ("repayment", lambda n: dataclasses.replace(n, interest_due=D("1.005")), r"interest_due: .*exact to the fen"),
    ("repayment", lambda n: dataclasses.replace(n, borrower=Party("  ")), r"borrower\.name: must not be empty"),
    ("repayment", lambda n: dataclasses.replace(n, issued_on=dt.date(2026, 4, 10)), r"issued_on: .*before the loan matures"),
    ("repayment", lambda n: dataclasses.replace(n, lender=Party("银行", uscc="91653000MA78K2Q5X0")), r"lender\.uscc: .*GB 32100-2015"),
    ("repayment", lambda n: dataclasses.replace(n, article="第十一"), r"article: expected an article"),
    ("repayment", lambda n: dataclasses.replace(n, fund=dataclasses.replace(KEZHOU, manager="")), r"fund\.manager: must not be empty"),
    ("repayment", lambda n: dataclasses.replace(n, loan=dataclasses.replace(LOAN, principal=D("-8000000"))), r"loan\.principal"),
    ("overdue", lambda n: dataclasses.replace(n, overdue_interest=D("-0.01")), r"overdue_interest: expected an amount"),
    ("overdue", lambda n: dataclasses.replace(n, as_of=dt.date(2026, 4, 10)), r"as_of: .*overdue only after maturity"),
    ("overdue", lambda n: dataclasses.replace(n, repay_by=dt.date(2026, 4, 1)), r"repay_by: expected a day after"),
    ("overdue", lambda n: dataclasses.replace(n, borrower=Party("")), r"borrower\.name: must not be empty"),
    ("compensation", lambda n: dataclasses.replace(n, compensation=D("-5")), r"compensation: expected an amount"),
    ("compensation", lambda n: dataclasses.replace(n, compensation=D("0")), r"compensation: expected a positive amount"),
    ("compensation", lambda n: dataclasses.replace(n, compensation=D("9999999")), r"compensation: expected at most the loss"),
    ("compensation", lambda n: dataclasses.replace(n, shares=n.shares[:2]), r"shares: expected ratios adding up to 1"),
    ("compensation", lambda n: dataclasses.replace(n, issuer=""), r"issuer: must not be empty"),
    ("recommendation", lambda n: dataclasses.replace(n, enterprise=""), r"enterprise: must not be empty"),
    ("recommendation", lambda n: dataclasses.replace(n, financing_need=D("-800")), r"financing_need: expected a positive number"),
    ("recommendation", lambda n: dataclasses.replace(n, leased_area=D("-1")), r"leased_area: expected a non-negative number"),
    ("recommendation", lambda n: dataclasses.replace(n, qualifications=(6,)), r"qualifications: expected the numbers"),
    ("recommendation", lambda n: dataclasses.replace(n, uscc="91320583MA1N7PXK20"), r"uscc: .*not valid"),
    ("recommendation", lambda n: dataclasses.replace(n, enterprise="昆山\U0002A6A5科技有限公司"), r"enterprise: the font .* has no glyph"),
    ("recommendation", lambda n: dataclasses.replace(n, reason="项目进展顺利。\n" * 70), r"reason: too long for the form"),
    ("recommendation", lambda n: dataclasses.replace(n, reason="字" * 801), r"reason: expected text of at most 800"),
]


@pytest.mark.parametrize("name, change, message", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_is_refused_with_a_clear_message(name, change, message):
    build, data = BUILDERS[name]
    with pytest.raises(ValueError, match=message) as info:
        build(change(data()))
    assert isinstance(info.value, DocumentError)
    assert str(info.value).split(":")[0] in {"贷款还款通知书 (repayment_notice)", "逾期催收通知书 (overdue_notice)",
                                            "风险补偿通知书 (compensation_notice)",
                                            "“昆育融”入库企业推荐表 (recommendation_form)"}


def test_wrong_type_is_refused():
    with pytest.raises(DocumentError, match="expected a RepaymentNotice"):
        repayment_notice(overdue())
