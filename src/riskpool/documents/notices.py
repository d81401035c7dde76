"""Notices and forms (通知书、推荐表) as PDF bytes, from plain data.

Each builder is a pure function: the same data gives the same bytes (ReportLab's invariant mode: no clock,
no random ids), nothing is read or written but the font (riskpool.documents.fonts). Every document carries
the fund's details (fund, program, managing institution) in its page header, its document number, the
article it is issued under ("依据《…》第N条"), the parties, the amounts (``1,234,567.89`` and in capitals,
``壹佰贰拾叁万…``) and a footer with its number and "第 1 页 共 N 页".

==========================  ==============  =============================  ===================================
builder                     document        issued under                   from → to
==========================  ==============  =============================  ===================================
:func:`repayment_notice`    贷款还款通知书  克州 管理办法 第十一条          合作机构 → 借款企业 (before maturity)
:func:`overdue_notice`      逾期催收通知书  克州 管理办法 第十三条（二）    合作银行 → 借款企业 (after maturity)
:func:`compensation_notice` 风险补偿通知书  克州 管理办法 第十六条          自治州财政局 → 资金管理人 (pay the
                                                                           合作银行 within 5 working days)
:func:`recommendation_form` 入库企业推荐表  “昆育融”实施细则 第五条、第七条  推荐区镇 → 市科技局 / 管理人
==========================  ==============  =============================  ===================================

Bad data (a negative or inexact amount, an empty name, a date out of order, an invalid unified social
credit code, a character the font lacks) raises :class:`DocumentError`, a ``ValueError`` whose message
names the document, the field and what was expected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any, Iterable, Sequence
from xml.sax.saxutils import escape

from riskpool import inputs
from riskpool.identity import check_uscc
from riskpool.money import fen

__all__ = [
    "DocumentError",
    "Fund",
    "Party",
    "Loan",
    "LossShare",
    "RepaymentNotice",
    "OverdueNotice",
    "CompensationNotice",
    "RecommendationForm",
    "KUNSHAN_QUALIFICATIONS",
    "REASON_MAX_LEN",
    "repayment_notice",
    "overdue_notice",
    "compensation_notice",
    "recommendation_form",
    "format_amount",
    "format_date",
    "format_rate",
    "rmb_in_words",
]


class DocumentError(ValueError):
    """Data a document cannot be made from; the message names the document and the field."""


# ============================================================================== data

@dataclasses.dataclass(frozen=True)
class Fund:
    """The fund a document belongs to.

    ``fund_name``: 风险补偿资金的名称 (克州产业发展风险补偿资金, 昆山市综合风险池); ``program_name``: the
    regulation's title without 《》 (克州产业发展风险补偿资金管理办法); ``manager``: the managing
    institution (e.g. 克州财信融资担保有限责任公司), which the regulation calls ``manager_title`` (克州:
    资金管理人; 昆山: 管理人)."""

    fund_name: str
    program_name: str
    manager: str
    manager_title: str = "资金管理人"  # how the regulation calls the manager (昆山: 管理人)


@dataclasses.dataclass(frozen=True)
class Party:
    """An enterprise or institution: its name, and optionally its unified social credit code (checked under
    GB 32100-2015 when given, printed after the name)."""

    name: str
    uscc: str | None = None


@dataclasses.dataclass(frozen=True)
class Loan:
    """A loan under the fund: contract number, principal (yuan), value date, maturity, annual rate (0.0385
    is 3.85 %, optional)."""

    contract_no: str
    principal: Decimal
    start: dt.date
    maturity: dt.date
    annual_rate: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class LossShare:
    """One party's share of a loss: ``role`` (风险补偿资金 / 承保担保公司 / 合作银行), its ``party`` name,
    the ``ratio`` (0.50) and the ``amount`` in yuan."""

    role: str
    party: str
    ratio: Decimal
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class RepaymentNotice:
    """贷款还款通知书: the lender tells the borrower, before maturity, what falls due (第十一条)."""

    fund: Fund
    doc_no: str
    issued_on: dt.date
    lender: Party
    borrower: Party
    loan: Loan
    principal_due: Decimal
    interest_due: Decimal
    repayment_account: str | None = None  # 还款账户: 户名、开户行、账号
    article: str = "第十一条"


@dataclasses.dataclass(frozen=True)
class OverdueNotice:
    """逾期催收通知书: the lender demands payment of a loan not repaid at maturity (第十三条（二）)."""

    fund: Fund
    doc_no: str
    issued_on: dt.date
    lender: Party
    borrower: Party
    loan: Loan
    as_of: dt.date  # 截至日: the arrears are counted up to this day
    overdue_principal: Decimal
    overdue_interest: Decimal
    repay_by: dt.date
    penalty_interest: Decimal = Decimal("0")  # 罚息、复利
    guarantor: Party | None = None  # 承保担保公司: copied (抄送)
    article: str = "第十三条"


@dataclasses.dataclass(frozen=True)
class CompensationNotice:
    """风险补偿通知书: after approval, the finance bureau (``issuer``) tells the fund manager to pay the
    lender the compensation from the fund within ``pay_within_working_days`` working days (第十六条)."""

    fund: Fund
    doc_no: str
    issued_on: dt.date
    issuer: str  # 自治州财政局
    lender: Party
    borrower: Party
    loan: Loan
    loss_principal: Decimal
    loss_interest: Decimal
    shares: tuple[LossShare, ...]
    compensation: Decimal  # what the fund pays the lender now
    approval: str | None = None  # e.g. 克孜勒苏柯尔克孜自治州人民政府《关于……的批复》（克政函〔2026〕12号）
    guarantor: Party | None = None
    payee_account: str | None = None  # 合作银行收款账户
    pay_within_working_days: int = 5
    article: str = "第十六条"


#: “昆育融”实施细则 第四条: an enterprise registered in Kunshan qualifies by meeting one of these
KUNSHAN_QUALIFICATIONS: tuple[str, ...] = (
    "有效期内的高新技术企业或高新技术企业培育库入库企业（完成当年科技型中小企业备案入库并申报高企）",
    "昆山市级及以上双创人才企业",
    "当年度在全国科技型中小企业评价系统上取得入库登记编号的企业",
    "以综合风险池系统推出的科创指数评分作为参考，达到科创力B级以上的并经市科技局认定的",
    "其他经市科技局认定的建有研发机构的重点企业及符合我市科技招商的重点支持企业",
)


#: the 推荐理由 box holds at most this many characters (it must fit on one page, as on the paper form)
REASON_MAX_LEN = 800


@dataclasses.dataclass(frozen=True)
class RecommendationForm:
    """“昆育融”入库企业推荐表 (the 实施细则's 附件): a district or town recommends an enterprise for the
    support list (第五条、第七条). Amounts in 万元 as the form asks; ``qualifications`` are the numbers
    (1–5) of the 第四条 conditions the enterprise meets."""

    fund: Fund
    doc_no: str
    enterprise: str  # 推荐企业名称
    uscc: str  # 统一社会信用代码
    legal_representative: str  # 法定代表人
    registered_address: str  # 注册地址
    industry: str  # 所属行业领域
    financing_need: Decimal  # 融资需求（万元）
    leased_area: Decimal  # 经营场地租赁面积（平方米）
    planned_investment: Decimal  # 预计项目总投资（万元）
    expected_output: Decimal  # 预计年产值（万元）
    paid_in_capital: Decimal  # 企业实缴资本（万元）
    core_ip: bool  # 主导产品是否具有核心自主知识产权
    contact: str  # 企业联系人
    contact_phone: str
    handler: str  # 推荐区镇经办人
    handler_phone: str
    qualifications: tuple[int, ...]  # 第四条 conditions met, 1–5
    reason: str  # 推荐理由
    recommender: str  # 推荐机构 (区镇)
    recommended_on: dt.date
    article: str = "第五条、第七条"


# ============================================================================== formatting

def format_amount(amount: Decimal) -> str:
    """``Decimal('1234567.8')`` → ``'1,234,567.80'``: thousands separators, two places (half up)."""
    return f"{fen(Decimal(amount)):,.2f}"


def format_date(day: dt.date) -> str:
    """``date(2025, 3, 5)`` → ``'2025年3月5日'``."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_rate(rate: Decimal) -> str:
    """``Decimal('0.0385')`` → ``'3.85%'`` (trailing zeros dropped, at least two places)."""
    pct = (Decimal(rate) * 100).normalize()
    places = max(2, -pct.as_tuple().exponent if isinstance(pct.as_tuple().exponent, int) else 2)
    return f"{pct:.{places}f}%"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _group_in_words(n: int) -> str:
    out, zero = "", False
    for pos in (3, 2, 1, 0):
        digit = n // 10**pos % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _UNITS[pos]
    return out


def rmb_in_words(amount: Decimal) -> str:
    """An amount in yuan in capitals (中文大写金额), as banks write it: ``1234567.89`` →
    ``'壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分'``, ``100`` → ``'壹佰元整'``, ``1.05`` → ``'壹元零伍分'``, ``0`` →
    ``'零元整'``. 10–19 are written 壹拾… (《支付结算办法》附件: 正确填写票据和结算凭证的基本规定)."""
    value = fen(Decimal(amount))
    if value < 0:
        raise DocumentError(f"amount in words: expected an amount of at least 0 yuan, got {value}")
    cents = int(value * 100)
    if cents >= 10**18:
        raise DocumentError(f"amount in words: expected an amount below 10,000,000,000,000,000 yuan, got {value}")
    yuan, rest = divmod(cents, 100)
    jiao, fen_ = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    out = ""
    if yuan:
        groups = []
        while yuan:
            yuan, g = divmod(yuan, 10000)
            groups.append(g)
        gap = False
        for i in reversed(range(len(groups))):
            g = groups[i]
            if g == 0:
                gap = True
                continue
            if out and (gap or g < 1000):
                out += "零"
            out += _group_in_words(g) + _GROUPS[i]
            gap = False
        out += "元"
    if rest == 0:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif out:
        out += "零"
    if fen_:
        out += _DIGITS[fen_] + "分"
    return out


# ============================================================================== checking

_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇]+条")


class _Check:
    """Field checks for one document; each failure names the document and the field."""

    def __init__(self, doc: str):
        self.doc = doc
        self.texts: list[tuple[str, str]] = []  # (field, text) shown in the PDF: checked against the font

    def fail(self, field: str, message: str) -> DocumentError:
        return DocumentError(f"{self.doc}: {field}: {message}")

    def _wrap(self, field: str, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except inputs.InputError as e:
            raise self.fail(field, f"expected {e.expected}, got {inputs.shown(e.value)}") from None

    def text(self, field: str, value: Any, *, max_len: int = inputs.MAX_TEXT, multiline: bool = False) -> str:
        if isinstance(value, str) and not value.strip():
            raise self.fail(field, f"must not be empty, got {value!r}")
        v = self._wrap(field, inputs.text, value, max_len=max_len, multiline=multiline).strip()
        self.texts.append((field, v))
        return v

    def optional_text(self, field: str, value: Any, *, max_len: int = inputs.MAX_TEXT) -> str | None:
        if value is None:
            return None
        return self.text(field, value, max_len=max_len)

    def amount(self, field: str, value: Any, *, positive: bool = False) -> Decimal:
        d = self._wrap(field, inputs.amount, value)
        if positive and d <= 0:
            raise self.fail(field, f"expected a positive amount in yuan, got {d}")
        return d

    def quantity(self, field: str, value: Any, *, positive: bool = False, unit: str = "") -> Decimal:
        """A non-negative figure (万元, 平方米), shown rounded to two places."""
        d = self._wrap(field, inputs.number, value)
        if d < 0 or (positive and d == 0):
            raise self.fail(field, f"expected a {'positive' if positive else 'non-negative'} number{unit}, got {d}")
        return d

    def date(self, field: str, value: Any) -> dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(field, f"expected a date (datetime.date), got {inputs.shown(value)}")
        return value

    def uscc(self, field: str, value: Any) -> str:
        v = self.text(field, value, max_len=18)
        try:
            return check_uscc(v)
        except ValueError as e:
            raise self.fail(field, str(e)) from None

    def article(self, value: Any) -> str:
        v = self.text("article", value, max_len=60)
        if not _ARTICLE.search(v):
            raise self.fail("article", f"expected an article such as '第十一条', got {v!r}")
        return v

    def fund(self, fund: Any) -> Fund:
        if not isinstance(fund, Fund):
            raise self.fail("fund", f"expected a Fund, got {type(fund).__name__}")
        program = fund.program_name.strip().strip("《》") if isinstance(fund.program_name, str) else fund.program_name
        return Fund(self.text("fund.fund_name", fund.fund_name),
                    self.text("fund.program_name", program),
                    self.text("fund.manager", fund.manager),
                    self.text("fund.manager_title", fund.manager_title, max_len=20))

    def party(self, field: str, party: Any) -> Party:
        if not isinstance(party, Party):
            raise self.fail(field, f"expected a Party, got {type(party).__name__}")
        return Party(name=self.text(f"{field}.name", party.name),
                     uscc=None if party.uscc is None else self.uscc(f"{field}.uscc", party.uscc))

    def loan(self, loan: Any) -> Loan:
        if not isinstance(loan, Loan):
            raise self.fail("loan", f"expected a Loan, got {type(loan).__name__}")
        start = self.date("loan.start", loan.start)
        maturity = self.date("loan.maturity", loan.maturity)
        if maturity <= start:
            raise self.fail("loan.maturity", f"expected a day after loan.start ({start}), got {maturity}")
        rate = None
        if loan.annual_rate is not None:
            rate = self._wrap("loan.annual_rate", inputs.rate, loan.annual_rate, "", 0, 1)
        return Loan(self.text("loan.contract_no", loan.contract_no, max_len=60),
                    self.amount("loan.principal", loan.principal, positive=True), start, maturity, rate)

    def glyphs(self) -> None:
        from riskpool.documents.fonts import cjk_font, missing_glyphs

        for field, text in self.texts:
            missing = missing_glyphs(text)
            if missing:
                shown = "、".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
                raise self.fail(field, f"the font {cjk_font().family} has no glyph for {shown}; "
                                       "use characters the font has")


# ============================================================================== layout

_styles_cache: dict[str, Any] = {}


def _styles() -> dict[str, Any]:
    if _styles_cache:
        return _styles_cache
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import registerFontFamily

    from riskpool.documents.fonts import cjk_font_name

    font = cjk_font_name()
    registerFontFamily(font, normal=font, bold=font, italic=font, boldItalic=font)
    _chinese_line_breaking()
    base = ParagraphStyle("base", fontName=font, fontSize=12, leading=19, wordWrap="CJK", alignment=TA_LEFT)
    s = {
        "font": font,
        "body": ParagraphStyle("body", parent=base, firstLineIndent=24, spaceAfter=3),
        "plain": ParagraphStyle("plain", parent=base),
        "salutation": ParagraphStyle("salutation", parent=base, spaceBefore=2, spaceAfter=3),
        "docno": ParagraphStyle("docno", parent=base, fontSize=10.5, leading=14, alignment=TA_CENTER),
        "basis": ParagraphStyle("basis", parent=base, fontSize=10.5, leading=14, alignment=TA_CENTER,
                                textColor=colors.HexColor("#333333"), spaceAfter=6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10.5, leading=15),
        "cell_small": ParagraphStyle("cell_small", parent=base, fontSize=9, leading=13,
                                     textColor=colors.HexColor("#555555")),
        "label": ParagraphStyle("label", parent=base, fontSize=10.5, leading=15, alignment=TA_CENTER),
        "num": ParagraphStyle("num", parent=base, fontSize=10.5, leading=15, alignment=TA_RIGHT),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT, leading=22),
        "copy": ParagraphStyle("copy", parent=base, fontSize=10.5, leading=15, spaceBefore=8),
        "attachment": ParagraphStyle("attachment", parent=base, fontSize=12, leading=16),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=13,
                               textColor=colors.HexColor("#555555")),
    }
    _styles_cache.update(s)
    return _styles_cache


_GAP = "&nbsp;" * 8  # a visible gap: Paragraph collapses ordinary and ideographic spaces
_NO_LINE_START = "，。、；：！？）》〉」』】〕”’…—·％"


def _chinese_line_breaking() -> None:
    """Chinese punctuation never starts a line (标点禁则): ReportLab's CJK wrapping knows the Japanese set
    only, so the full-width comma, semicolon, colon, closing book-title marks etc. are added to the set
    its line splitting reads (a character in the set hangs at the line's end instead). This only adds
    characters that can never start a Chinese line, so other ReportLab users in the process are unharmed."""
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):  # single-fragment and multi-fragment paragraphs
        missing = "".join(c for c in _NO_LINE_START if c not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing


def _p(text: str, style: str = "body"):
    from reportlab.platypus import Paragraph

    return Paragraph(text, _styles()[style])


def _e(text: str) -> str:
    return escape(text)


def _title(text: str):
    """The document's title: large, centred, letter-spaced, drawn with a thin stroke for weight (the font
    has one weight)."""
    from reportlab.platypus import Flowable

    font = _styles()["font"]

    class _Title(Flowable):
        size = 22.0
        space = 6.0 if len(text) <= 8 else 2.0

        def wrap(self, avail_w, avail_h):
            self.width = avail_w
            return avail_w, self.size * 1.6

        def draw(self):
            from reportlab.pdfbase.pdfmetrics import stringWidth

            c = self.canv
            w = stringWidth(text, font, self.size) + self.space * (len(text) - 1)
            t = c.beginText()
            t.setFont(font, self.size)
            t.setCharSpace(self.space)
            t.setTextRenderMode(2)  # fill and stroke
            c.setLineWidth(0.45)
            t.setTextOrigin((self.width - w) / 2, self.size * 0.55)
            t.textOut(text)
            c.drawText(t)

    return _Title()


def _seal_box(label: str = "盖章处", size: float = 34 * 2.834645669):
    from reportlab.platypus import Flowable

    font = _styles()["font"]

    class _Seal(Flowable):
        def wrap(self, avail_w, avail_h):
            self.avail = avail_w
            return avail_w, size + 4

        def draw(self):
            from reportlab.lib import colors

            c = self.canv
            x = self.avail - size - 4
            c.saveState()
            c.setStrokeColor(colors.HexColor("#999999"))
            c.setDash(3, 2)
            c.setLineWidth(0.6)
            c.rect(x, 2, size, size)
            c.setFillColor(colors.HexColor("#999999"))
            c.setFont(font, 9)
            c.drawCentredString(x + size / 2, 2 + size / 2 - 3, label)
            c.restoreState()

    return _Seal()


def _grid(rows: list[list[Any]], widths: Sequence[float], *, label_cols: Iterable[int] = (0,),
          spans: Iterable[tuple[tuple[int, int], tuple[int, int]]] = (), extra: Iterable[tuple] = (),
          row_heights: Sequence[float | None] | None = None):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    style = [
        ("FONTNAME", (0, 0), (-1, -1), _styles()["font"]),  # plain-string cells too: never Helvetica
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]
    for col in label_cols:
        style.append(("BACKGROUND", (col, 0), (col, -1), colors.HexColor("#F2F2F2")))
    for a, b in spans:
        style.append(("SPAN", a, b))
    style.extend(extra)
    t = Table(rows, colWidths=list(widths), hAlign="CENTER", rowHeights=row_heights)
    t.setStyle(TableStyle(style))
    return t


def _label(text: str, unit: str = ""):
    """A label cell; ``unit`` (e.g. "（万元）") goes on a line of its own."""
    return _p(_e(text) + (f"<br/>{_e(unit)}" if unit else ""), "label")


def _cell(text: str):
    return _p(_e(text), "cell")


def _num(text: str):
    return _p(_e(text), "num")


def _yuan(amount: Decimal) -> str:
    return f"人民币{format_amount(amount)}元"


def _signature(name: str, day: dt.date, *, seal: bool = True):
    from reportlab.platypus import Spacer

    return [Spacer(1, 6), _p(_e(name) + ("（盖章）" if seal else ""), "sign"), _p(format_date(day), "sign")]


def _receipt(doc_title: str, doc_no: str, sender: str, addressee: str):
    """送达回执, on a page of its own: the addressee signs for the notice and returns the page (the articles
    speak of 送达, delivery; the signed receipt is the sender's proof)."""
    from reportlab.platypus import PageBreak, Spacer

    w = _styles_width()
    blank = _cell("")
    rows = [
        [_label("文书名称"), _cell(doc_title)],
        [_label("文书编号"), _cell(doc_no)],
        [_label("送达机构"), _cell(sender)],
        [_label("受送达人"), _cell(addressee)],
        [_label("送达方式"), _p(_GAP.join(("□ 直接送达", "□ 邮寄送达", "□ 其他：＿＿＿＿＿＿")), "cell")],
        [_label("签收日期"), _p(_GAP.join("年月日") + _GAP, "num")],
        [_label("签收人（签字）"), blank],
        [_label("受送达人（盖章）"), blank],
        [_label("备注"), blank],
    ]
    table = _grid(rows, [w * 0.24, w * 0.76], row_heights=[30, 30, 30, 30, 30, 30, 54, 96, 60])
    return [PageBreak(), _title("送达回执"), Spacer(1, 10), table, Spacer(1, 6),
            _p("注：受送达人收到上述文书后，请在本回执上签字、盖章并注明签收日期，交回送达机构留存。", "note")]


_PAGE_W, _PAGE_H = 595.2755905511812, 841.8897637795277
_MARGIN_X = 25 * 2.834645669
_MARGIN_TOP, _MARGIN_BOTTOM = 22 * 2.834645669, 18 * 2.834645669
_FRAME_H = _PAGE_H - _MARGIN_TOP - _MARGIN_BOTTOM


def _styles_width() -> float:
    return _PAGE_W - 2 * _MARGIN_X


def _build(*, title: str, doc_no: str, fund: Fund, article: str, author: str, story: list) -> bytes:
    """Lay the story out on A4 pages with the fund header and the numbered footer; the PDF's bytes."""
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
    from reportlab.platypus.doctemplate import LayoutError

    font = _styles()["font"]
    grey = colors.HexColor("#555555")
    left_head = f"{fund.fund_name}　《{fund.program_name}》"
    right_head = f"{fund.manager_title}：{fund.manager}"
    left_foot = f"编号：{doc_no}"

    def fitted(text: str, size: float, room: float) -> float:
        while size > 6 and stringWidth(text, font, size) > room:
            size -= 0.5
        return size

    def header(canv, doc):
        canv.saveState()
        width = doc.width
        y = _PAGE_H - 16 * 2.834645669
        size = fitted(left_head + "　" + right_head, 8.5, width)
        canv.setFont(font, size)
        canv.setFillColor(grey)
        canv.drawString(doc.leftMargin, y, left_head)
        canv.drawRightString(doc.leftMargin + width, y, right_head)
        canv.setStrokeColor(colors.HexColor("#888888"))
        canv.setLineWidth(0.5)
        canv.line(doc.leftMargin, y - 4, doc.leftMargin + width, y - 4)
        canv.restoreState()

    class NumberedCanvas(Canvas):
        """Keeps each page until the end, then writes "第 i 页 共 n 页" on every one."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for i, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                self._footer(i, total)
                super().showPage()
            super().save()

        def _footer(self, page: int, total: int):
            self.saveState()
            y = 12 * 2.834645669
            x0, x1 = _MARGIN_X, _PAGE_W - _MARGIN_X
            self.setStrokeColor(colors.HexColor("#888888"))
            self.setLineWidth(0.5)
            self.line(x0, y + 10, x1, y + 10)
            self.setFillColor(grey)
            self.setFont(font, 8.5)
            self.drawCentredString(_PAGE_W / 2, y, f"第 {page} 页　共 {total} 页")
            room = (x1 - x0) / 2 - 45
            self.setFont(font, fitted(left_foot, 8.5, room))
            self.drawString(x0, y, left_foot)
            right = f"依据《{fund.program_name}》{article}"
            self.setFont(font, fitted(right, 8.5, room))
            self.drawRightString(x1, y, right)
            self.restoreState()

    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=(_PAGE_W, _PAGE_H), leftMargin=_MARGIN_X, rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP, bottomMargin=_MARGIN_BOTTOM,
        title=f"{title}（{doc_no}）", author=author, subject=f"依据《{fund.program_name}》{article}",
        creator="riskpool", producer="riskpool (ReportLab)", keywords=[fund.fund_name, title],
        invariant=1, lang="zh-CN", displayDocTitle=1, initialFontName=font, initialFontSize=12,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=header)])
    try:
        doc.build(story, canvasmaker=NumberedCanvas)
    except LayoutError as e:  # a table row taller than a page: a field far longer than any real one
        raise DocumentError(f"{title}: the document cannot be laid out (a field is too long for one page): "
                            f"shorten the longest text ({str(e).splitlines()[0][:120]})") from None
    return buf.getvalue()


def _heading(title: str, doc_no: str, program: str, article: str) -> list:
    return [_title(title), _p(f"编号：{_e(doc_no)}", "docno"),
            _p(f"依据《{_e(program)}》{_e(article)}", "basis")]


def _party_line(p: Party) -> str:
    return p.name + (f"（信用代码：{p.uscc}）" if p.uscc else "")


# ============================================================================== builders

def repayment_notice(notice: RepaymentNotice) -> bytes:
    """贷款还款通知书 (第十一条): before the loan matures, the lender tells the borrower the principal and
    interest due, where to pay, and that an extension may be asked for if it cannot repay in full."""
    title = "贷款还款通知书"
    ck = _Check(f"{title} (repayment_notice)")
    if not isinstance(notice, RepaymentNotice):
        raise ck.fail("notice", f"expected a RepaymentNotice, got {type(notice).__name__}")
    fund = ck.fund(notice.fund)
    doc_no = ck.text("doc_no", notice.doc_no, max_len=60)
    article = ck.article(notice.article)
    issued = ck.date("issued_on", notice.issued_on)
    lender = ck.party("lender", notice.lender)
    borrower = ck.party("borrower", notice.borrower)
    loan = ck.loan(notice.loan)
    principal = ck.amount("principal_due", notice.principal_due)
    interest = ck.amount("interest_due", notice.interest_due)
    account = ck.optional_text("repayment_account", notice.repayment_account)
    if principal > loan.principal:
        raise ck.fail("principal_due", f"expected at most the loan's principal ({format_amount(loan.principal)}), "
                                       f"got {format_amount(principal)}")
    if principal + interest <= 0:
        raise ck.fail("principal_due", "expected something due: principal_due and interest_due are both 0")
    if not issued < loan.maturity:
        raise ck.fail("issued_on", f"expected a day before the loan matures ({loan.maturity}): the notice is "
                                   f"sent before maturity ({article}), got {issued}")
    if issued < loan.start:
        raise ck.fail("issued_on", f"expected a day on or after loan.start ({loan.start}), got {issued}")
    ck.glyphs()

    total = principal + interest
    w = _styles_width()
    rows = [
        [_label("借款企业"), _cell(_party_line(borrower)), "", ""],
        [_label("贷款机构"), _cell(lender.name), "", ""],
        [_label("借款合同编号"), _cell(loan.contract_no), _label("贷款金额（元）"), _num(format_amount(loan.principal))],
        [_label("贷款发放日"), _cell(format_date(loan.start)), _label("贷款到期日"), _cell(format_date(loan.maturity))],
        [_label("年利率"), _cell(format_rate(loan.annual_rate) if loan.annual_rate is not None else "按合同约定"),
         _label("应还本金（元）"), _num(format_amount(principal))],
        [_label("应还利息（元）"), _num(format_amount(interest)), _label("应还本息合计（元）"), _num(format_amount(total))],
        [_label("合计金额（大写）"), _cell(f"人民币{rmb_in_words(total)}"), "", ""],
    ]
    spans = [((1, 0), (3, 0)), ((1, 1), (3, 1)), ((1, 6), (3, 6))]
    if account:
        rows.append([_label("还款账户"), _cell(account), "", ""])
        spans.append(((1, 7), (3, 7)))
    table = _grid(rows, [w * 0.19, w * 0.29, w * 0.23, w * 0.29], label_cols=(0,), spans=spans,
                  extra=[("BACKGROUND", (2, 2), (2, 5), _grey())])

    from reportlab.platypus import KeepTogether, Spacer

    story = _heading(title, doc_no, fund.program_name, article) + [
        _p(f"{_e(borrower.name)}：", "salutation"),
        _p(f"贵单位于{format_date(loan.start)}与{_e(lender.name)}签订的借款合同（合同编号：{_e(loan.contract_no)}），"
           f"借款金额{_yuan(loan.principal)}，将于{format_date(loan.maturity)}到期。该笔贷款纳入{_e(fund.fund_name)}"
           f"支持范围。依据《{_e(fund.program_name)}》{_e(article)}，现将到期还款事项通知如下："),
        Spacer(1, 4), table, Spacer(1, 8),
        _p(f"请贵单位于贷款到期日（{format_date(loan.maturity)}）前将上述本息共计{_yuan(total)}足额存入还款账户，"
           f"按期归还贷款。"),
        _p(f"如贵单位到期无法足额归还贷款，请于到期日前向{_e(lender.name)}书面提出展期申请；"
           f"{_e(lender.name)}将按照相关规定予以确认，对符合展期条件的予以展期。"),
        KeepTogether([_p("特此通知。"), *_signature(lender.name, issued)]),
        *_receipt(title, doc_no, lender.name, borrower.name),
    ]
    return _build(title=title, doc_no=doc_no, fund=fund, article=article, author=lender.name, story=story)


def overdue_notice(notice: OverdueNotice) -> bytes:
    """逾期催收通知书 (第十三条（二）): the loan matured unpaid; the lender states the arrears, sets a day to
    pay, and says what follows if it is not paid (set-off, legal recovery)."""
    title = "逾期催收通知书"
    ck = _Check(f"{title} (overdue_notice)")
    if not isinstance(notice, OverdueNotice):
        raise ck.fail("notice", f"expected an OverdueNotice, got {type(notice).__name__}")
    fund = ck.fund(notice.fund)
    doc_no = ck.text("doc_no", notice.doc_no, max_len=60)
    article = ck.article(notice.article)
    issued = ck.date("issued_on", notice.issued_on)
    as_of = ck.date("as_of", notice.as_of)
    repay_by = ck.date("repay_by", notice.repay_by)
    lender = ck.party("lender", notice.lender)
    borrower = ck.party("borrower", notice.borrower)
    guarantor = None if notice.guarantor is None else ck.party("guarantor", notice.guarantor)
    loan = ck.loan(notice.loan)
    principal = ck.amount("overdue_principal", notice.overdue_principal)
    interest = ck.amount("overdue_interest", notice.overdue_interest)
    penalty = ck.amount("penalty_interest", notice.penalty_interest)
    if principal > loan.principal:
        raise ck.fail("overdue_principal", f"expected at most the loan's principal ({format_amount(loan.principal)}),"
                                           f" got {format_amount(principal)}")
    if principal + interest + penalty <= 0:
        raise ck.fail("overdue_principal", "expected arrears: overdue principal, interest and penalty are all 0")
    if not as_of > loan.maturity:
        raise ck.fail("as_of", f"expected a day after the loan matured ({loan.maturity}): a loan is overdue only "
                               f"after maturity, got {as_of}")
    if issued < as_of:
        raise ck.fail("issued_on", f"expected a day on or after as_of ({as_of}), got {issued}")
    if not repay_by > issued:
        raise ck.fail("repay_by", f"expected a day after issued_on ({issued}), got {repay_by}")
    ck.glyphs()

    days = (as_of - loan.maturity).days
    total = principal + interest + penalty
    w = _styles_width()
    rows = [
        [_label("借款企业"), _cell(_party_line(borrower)), "", ""],
        [_label("贷款机构"), _cell(lender.name), "", ""],
        [_label("借款合同编号"), _cell(loan.contract_no), _label("贷款金额（元）"), _num(format_amount(loan.principal))],
        [_label("贷款到期日"), _cell(format_date(loan.maturity)), _label("欠款截至日"), _cell(format_date(as_of))],
        [_label("逾期天数"), _cell(f"{days}天"), _label("逾期本金（元）"), _num(format_amount(principal))],
        [_label("逾期利息（元）"), _num(format_amount(interest)), _label("罚息及复利（元）"), _num(format_amount(penalty))],
        [_label("欠款合计（元）"), _cell(format_amount(total)), "", ""],
        [_label("欠款合计（大写）"), _cell(f"人民币{rmb_in_words(total)}"), "", ""],
    ]
    spans = [((1, r), (3, r)) for r in (0, 1, 6, 7)]
    table = _grid(rows, [w * 0.19, w * 0.29, w * 0.23, w * 0.29], spans=spans,
                  extra=[("BACKGROUND", (2, 2), (2, 5), _grey())])

    from reportlab.platypus import KeepTogether, Spacer

    story = _heading(title, doc_no, fund.program_name, article) + [
        _p(f"{_e(borrower.name)}：", "salutation"),
        _p(f"贵单位于{format_date(loan.start)}与{_e(lender.name)}签订的借款合同（合同编号：{_e(loan.contract_no)}），"
           f"借款金额{_yuan(loan.principal)}，已于{format_date(loan.maturity)}到期。截至{format_date(as_of)}，"
           f"贵单位未能按照合同约定归还贷款本息，已逾期{days}天，尚欠款项如下："),
        Spacer(1, 4), table, Spacer(1, 8),
        _p(f"依据《{_e(fund.program_name)}》{_e(article)}，现向贵单位发出逾期催收通知。请贵单位于"
           f"{format_date(repay_by)}前将上述欠款{_yuan(total)}足额归还。"),
        _p(f"逾期仍未归还的，{_e(lender.name)}可以对贵单位账户余额直接扣收，用于清偿贷款本息；对仍未清偿的部分，"
           f"将通过包括但不限于仲裁、诉讼等法律手段依法追偿。对恶意逃废银行债务的企业，将依规列入失信企业名单。"),
        _p(f"如贵单位已于本通知书送达前归还上述款项，请持还款凭证与{_e(lender.name)}核对。"),
        KeepTogether([_p("特此通知。"), *_signature(lender.name, issued)]),
    ]
    if guarantor is not None:
        story.append(_p(f"抄送：{_e(guarantor.name)}（承保担保公司）", "copy"))
    story += _receipt(title, doc_no, lender.name, borrower.name)
    return _build(title=title, doc_no=doc_no, fund=fund, article=article, author=lender.name, story=story)


def compensation_notice(notice: CompensationNotice) -> bytes:
    """风险补偿通知书 (第十六条): once compensation is approved, the issuer (自治州财政局) tells the fund
    manager the amount to pay the lender from the fund, within N working days of receiving the notice."""
    title = "风险补偿通知书"
    ck = _Check(f"{title} (compensation_notice)")
    if not isinstance(notice, CompensationNotice):
        raise ck.fail("notice", f"expected a CompensationNotice, got {type(notice).__name__}")
    fund = ck.fund(notice.fund)
    doc_no = ck.text("doc_no", notice.doc_no, max_len=60)
    article = ck.article(notice.article)
    issued = ck.date("issued_on", notice.issued_on)
    issuer = ck.text("issuer", notice.issuer)
    lender = ck.party("lender", notice.lender)
    borrower = ck.party("borrower", notice.borrower)
    guarantor = None if notice.guarantor is None else ck.party("guarantor", notice.guarantor)
    loan = ck.loan(notice.loan)
    loss_p = ck.amount("loss_principal", notice.loss_principal)
    loss_i = ck.amount("loss_interest", notice.loss_interest)
    compensation = ck.amount("compensation", notice.compensation, positive=True)
    approval = ck.optional_text("approval", notice.approval)
    account = ck.optional_text("payee_account", notice.payee_account)
    days = notice.pay_within_working_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        raise ck.fail("pay_within_working_days", f"expected a whole number of working days from 1 to 60, got {days!r}")
    if loss_p > loan.principal:
        raise ck.fail("loss_principal", f"expected at most the loan's principal ({format_amount(loan.principal)}), "
                                        f"got {format_amount(loss_p)}")
    loss = loss_p + loss_i
    if loss <= 0:
        raise ck.fail("loss_principal", "expected a loss: loss_principal and loss_interest are both 0")
    if compensation > loss:
        raise ck.fail("compensation", f"expected at most the loss ({format_amount(loss)}), got {format_amount(compensation)}")
    shares: list[LossShare] = []
    for i, s in enumerate(notice.shares):
        if not isinstance(s, LossShare):
            raise ck.fail(f"shares[{i}]", f"expected a LossShare, got {type(s).__name__}")
        shares.append(LossShare(ck.text(f"shares[{i}].role", s.role, max_len=40),
                                ck.text(f"shares[{i}].party", s.party),
                                ck._wrap(f"shares[{i}].ratio", inputs.rate, s.ratio, "", 0, 1),
                                ck.amount(f"shares[{i}].amount", s.amount)))
    if not shares:
        raise ck.fail("shares", "expected the loss-sharing shares (at least one LossShare)")
    if sum((s.ratio for s in shares), Decimal(0)) != 1:
        raise ck.fail("shares", f"expected ratios adding up to 1, got {sum((s.ratio for s in shares), Decimal(0))}")
    if sum((s.amount for s in shares), Decimal(0)) != loss:
        raise ck.fail("shares", f"expected amounts adding up to the loss ({format_amount(loss)}), got "
                                f"{format_amount(sum((s.amount for s in shares), Decimal(0)))}")
    if issued < loan.maturity:
        raise ck.fail("issued_on", f"expected a day after the loan matured ({loan.maturity}), got {issued}")
    ck.glyphs()

    w = _styles_width()
    loan_rows = [
        [_label("借款企业"), _cell(_party_line(borrower)), "", ""],
        [_label("合作银行"), _cell(_party_line(lender)), "", ""],
        [_label("借款合同编号"), _cell(loan.contract_no), _label("贷款金额（元）"), _num(format_amount(loan.principal))],
        [_label("贷款发放日"), _cell(format_date(loan.start)), _label("贷款到期日"), _cell(format_date(loan.maturity))],
        [_label("本金损失（元）"), _num(format_amount(loss_p)), _label("利息损失（元）"), _num(format_amount(loss_i))],
    ]
    loan_table = _grid(loan_rows, [w * 0.19, w * 0.29, w * 0.23, w * 0.29],
                       spans=[((1, 0), (3, 0)), ((1, 1), (3, 1))],
                       extra=[("BACKGROUND", (2, 2), (2, 4), _grey())])
    share_rows = [[_label("分担方"), _label("名称"), _label("分担比例"), _label("分担金额（元）")]]
    for sh in shares:
        share_rows.append([_label(sh.role), _cell(sh.party), _num(format_rate(sh.ratio)), _num(format_amount(sh.amount))])
    share_rows.append([_label("认定损失合计"), _cell(""), _num("100.00%"), _num(format_amount(loss))])
    share_table = _grid(share_rows, [w * 0.19, w * 0.41, w * 0.15, w * 0.25], label_cols=(),
                        extra=[("BACKGROUND", (0, 0), (-1, 0), _grey()), ("BACKGROUND", (0, 1), (0, -1), _grey())])
    pay_rows = [
        [_label("本次补偿金额"), _p(f"{_yuan(compensation)}<br/>大写：人民币{rmb_in_words(compensation)}", "cell")],
        [_label("收款账户"), _cell(account)] if account else [_label("收款单位"), _cell(lender.name)],
    ]
    pay_table = _grid(pay_rows, [w * 0.19, w * 0.81])

    from reportlab.platypus import KeepTogether, Spacer

    def section(heading: str, table) -> Any:
        return KeepTogether([Spacer(1, 3), _p(heading, "plain"), Spacer(1, 1), table])

    basis = (f"根据{_e(approval)}，" if approval else "经审定，")
    story = _heading(title, doc_no, fund.program_name, article) + [
        _p(f"{_e(fund.manager)}：", "salutation"),
        _p(f"{basis}同意启动{_e(fund.fund_name)}，对{_e(lender.name)}向{_e(borrower.name)}发放的下列贷款"
           f"给予风险补偿。依据《{_e(fund.program_name)}》{_e(article)}，现通知如下："),
        section("一、贷款及损失情况", loan_table),
        section("二、损失分担", share_table),
        section("三、风险补偿金额", pay_table),
        Spacer(1, 6),
        KeepTogether([
            _p(f"请你单位自收到本通知书之日起{days}个工作日内，从{_e(fund.fund_name)}中向{_e(lender.name)}"
               f"支付风险补偿资金{_yuan(compensation)}。"),
            _p("风险补偿资金代偿后，合作银行、承保担保公司应继续履行追缴义务；追缴获得的资金扣除诉讼等相关费用后，"
               "按照风险分担比例返还各方，其中风险补偿资金补偿部分按原渠道返还。"),
            _p("特此通知。"), *_signature(issuer, issued)]),
    ]
    copies = [lender.name] + ([guarantor.name] if guarantor else [])
    story.append(_p("抄送：" + "、".join(_e(c) for c in copies), "copy"))
    return _build(title=title, doc_no=doc_no, fund=fund, article=article, author=issuer, story=story)


def recommendation_form(form: RecommendationForm) -> bytes:
    """“昆育融”入库企业推荐表 (实施细则 附件; 第五条、第七条): the form's rows as the 细则 gives them, with the
    unified social credit code, the legal representative and the 第四条 condition(s) met, the recommending
    body's reasons, date and a box for its seal."""
    title = "“昆育融”入库企业推荐表"
    ck = _Check(f"{title} (recommendation_form)")
    if not isinstance(form, RecommendationForm):
        raise ck.fail("form", f"expected a RecommendationForm, got {type(form).__name__}")
    fund = ck.fund(form.fund)
    doc_no = ck.text("doc_no", form.doc_no, max_len=60)
    article = ck.article(form.article)
    enterprise = ck.text("enterprise", form.enterprise)
    uscc = ck.uscc("uscc", form.uscc)
    legal = ck.text("legal_representative", form.legal_representative, max_len=60)
    address = ck.text("registered_address", form.registered_address)
    industry = ck.text("industry", form.industry)
    need = ck.quantity("financing_need", form.financing_need, positive=True, unit=" (万元)")
    area = ck.quantity("leased_area", form.leased_area, unit=" (平方米)")
    invest = ck.quantity("planned_investment", form.planned_investment, unit=" (万元)")
    output = ck.quantity("expected_output", form.expected_output, unit=" (万元)")
    capital = ck.quantity("paid_in_capital", form.paid_in_capital, unit=" (万元)")
    if not isinstance(form.core_ip, bool):
        raise ck.fail("core_ip", f"expected True or False, got {form.core_ip!r}")
    contact = ck.text("contact", form.contact, max_len=60)
    contact_phone = ck.text("contact_phone", form.contact_phone, max_len=40)
    handler = ck.text("handler", form.handler, max_len=60)
    handler_phone = ck.text("handler_phone", form.handler_phone, max_len=40)
    quals = tuple(form.qualifications)
    if not quals or any(isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= len(KUNSHAN_QUALIFICATIONS)
                        for q in quals):
        raise ck.fail("qualifications", f"expected the numbers (1–{len(KUNSHAN_QUALIFICATIONS)}) of the 第四条 "
                                        f"conditions met, at least one, got {form.qualifications!r}")
    reason = ck.text("reason", form.reason, max_len=REASON_MAX_LEN, multiline=True)
    recommender = ck.text("recommender", form.recommender)
    day = ck.date("recommended_on", form.recommended_on)
    ck.glyphs()

    from reportlab.platypus import Spacer, Table, TableStyle

    w = _styles_width()

    def qty(d: Decimal) -> str:
        return format_amount(d)

    quals_cells = [_p("（符合下列条件之一；■ 为符合）", "cell_small")] + [
        _p(("■" if i in quals else "□") + f" {i}. " + _e(text), "cell") for i, text in enumerate(KUNSHAN_QUALIFICATIONS, 1)]
    cell_w = w * 0.78 - 10
    seal = 26 * 2.834645669
    sign = Table([[[_p(f"推荐机构：{_e(recommender)}（盖章）", "num"), Spacer(1, 4), _p(format_date(day), "num")],
                   _seal_box(size=seal)]], colWidths=[cell_w - seal - 10, seal + 10])
    sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), _styles()["font"]), ("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    reason_cell = [
        _p("（含企业项目基本情况、主导产品核心自主知识产权情况、项目进度、区镇支持政策、建有研发机构、"
           "招引科技招商项目或科创力指数情况等）", "cell_small"),
        Spacer(1, 4),
        *[_p(_e(line), "cell") for line in reason.splitlines() if line.strip()],
        Spacer(1, 2),
        sign,
    ]
    height = sum(f.wrap(cell_w, _FRAME_H)[1] for f in reason_cell) + 10
    if height > _FRAME_H - 40:
        lines = len([line for line in reason.splitlines() if line.strip()])
        raise ck.fail("reason", f"too long for the form's 推荐理由 box, which must fit on one page "
                                f"({lines} paragraphs, {len(reason)} characters): shorten it or join its lines")
    rows = [
        [_label("推荐企业名称"), _cell(enterprise), "", ""],
        [_label("统一社会信用代码"), _cell(uscc), _label("法定代表人"), _cell(legal)],
        [_label("注册地址"), _cell(address), "", ""],
        [_label("所属行业领域"), _cell(industry), "", ""],
        [_label("融资需求（万元）"), _num(qty(need)), _label("经营场地租赁面积", "（平方米）"), _num(qty(area))],
        [_label("预计项目总投资", "（万元）"), _num(qty(invest)), _label("预计年产值（万元）"), _num(qty(output))],
        [_label("企业实缴资本", "（万元）"), _num(qty(capital)),
         _label("主导产品是否具有核心自主知识产权", "（是/否）"), _cell("是" if form.core_ip else "否")],
        [_label("企业联系人"), _cell(contact), _label("联系电话"), _cell(contact_phone)],
        [_label("推荐区镇经办人"), _cell(handler), _label("联系电话"), _cell(handler_phone)],
        [_label("符合支持条件", "（第四条）"), quals_cells, "", ""],
        [_label("推荐理由"), reason_cell, "", ""],
    ]
    spans = [((1, r), (3, r)) for r in (0, 2, 3, 9, 10)]
    label_cells = [("BACKGROUND", (2, r), (2, r), _grey()) for r in (1, 4, 5, 6, 7, 8)]
    table = _grid(rows, [w * 0.22, w * 0.30, w * 0.24, w * 0.24], spans=spans,
                  extra=[*label_cells, ("VALIGN", (1, 10), (1, 10), "TOP")])
    story = [
        _p("附件", "attachment"),
        *_heading(title, doc_no, fund.program_name, article),
        table,
        Spacer(1, 6),
        _p(f"注：1. 本表由推荐区镇填写并盖章，报市科技局；经推荐的企业由管理人（{_e(fund.manager)}）"
           f"纳入“昆育融”支持企业名单。2. 金额单位为万元，保留两位小数。", "note"),
    ]
    return _build(title=title, doc_no=doc_no, fund=fund, article=article, author=recommender, story=story)


def _grey():
    from reportlab.lib import colors

    return colors.HexColor("#F2F2F2")
