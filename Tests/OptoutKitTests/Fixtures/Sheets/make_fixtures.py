#!/usr/bin/env python3
"""Makes the workbook fixtures beside this script, each with its expected rows.

Run: python3 make_fixtures.py   (from any folder; writes next to this file)

Always (Python's zipfile only, so it runs anywhere):
  zipfile.xlsx   two sheets whose tab order differs from their file names (Contacts is
                 sheet2.xml), shared strings with rich-text runs, a phonetic run and _xHHHH_
                 escapes, inline strings, t="str", t="b", t="e", sparse cells and rows, a date
                 (built-in 14), a custom date-time format, numeric phone cells (plain digits and
                 E notation), a fractional and a 17-digit number; written to a non-seekable
                 stream, so every entry has a data descriptor.
  zipfile1904.xlsx  the 1904 date system.
  zipfile.ods    two tables, repeated rows and columns (LibreOffice's 1048576-row tail),
                 float/string/date/time/boolean cells, text:s, text:span, an annotation.
  bomb.xlsx      a sheet part of 200 MB of blank rows compressed about 1000:1.
Only when installed (pip install openpyxl xlsxwriter):
  openpyxl.xlsx  inline strings (openpyxl's writer), a date, a phone number.
  xlsxwriter.xlsx  shared strings, rich text, a date, a phone number.

List fixtures (read by the real binary in WorkbookEndToEndTests, each to the same send file as
list.csv, their CSV twin; rows: a rich-text name, numeric phone cells, a date, a text phone, a
blank row, a fractional phone cell (damage: skipped), a sparse row with an empty date):
  list.csv            the twin (the damaged cell as the E notation a CSV export shows).
  list_zipfile.xlsx   shared strings with rich text, t="str", sparse r= cells, data descriptors,
                      the list tab first but stored as sheet2.xml (a Notes tab is sheet1.xml).
  list_zipfile.ods    repeated rows (a duplicate recipient) and repeated columns.
  list_openpyxl.xlsx  inline strings; a "Old" tab first, the list on tab "People" (sheet:).
  list_openpyxl_hidden.xlsx  the same with "Old" hidden: a list is read from its first visible tab.
  list_xlsxwriter.xlsx  shared strings, rich text, a formula string.
  stops_xlsxwriter.xlsx  a STOP log whose second sheet holds a STOP.

Each workbook X has X.expected.json: [[sheet name, [[row number, [cells]], ...]], ...] in tab order.
"""
import datetime
import io
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
STAMP = (2026, 11, 26, 12, 0, 0)


class Stream:
    """A non-seekable file: zipfile then writes data descriptors."""

    def __init__(self, f):
        self.f = f

    def write(self, b):
        return self.f.write(b)

    def flush(self):
        pass


def put(z, name, text, compress=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name, STAMP)
    info.compress_type = compress
    z.writestr(info, text.encode("utf-8") if isinstance(text, str) else text)


def expect(name, sheets):
    with open(os.path.join(HERE, name + ".expected.json"), "w") as f:
        json.dump([[name, rows] for name, rows in sheets.items()], f, ensure_ascii=False, indent=1)
        f.write("\n")


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(path, sheets, shared, styles, date1904=False, stream=True):
    """sheets: [(name, file, xml rows)]; the relationship ids run opposite to the tab order."""
    f = open(path, "wb")
    z = zipfile.ZipFile(Stream(f) if stream else f, "w")
    put(z, "[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    put(z, "_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    n = len(sheets)
    rels = "".join(f'<Relationship Id="rId{n - i}" Type="{REL}/worksheet" Target="worksheets/{s[1]}"/>' for i, s in enumerate(sheets))
    rels += f'<Relationship Id="rId100" Type="{REL}/sharedStrings" Target="/xl/sharedStrings.xml"/>'
    rels += f'<Relationship Id="rId101" Type="{REL}/styles" Target="styles.xml"/>'
    put(z, "xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
    pr = '<workbookPr date1904="1"/>' if date1904 else '<workbookPr/>'
    tabs = "".join(f'<sheet name="{s[0]}" sheetId="{i + 1}" r:id="rId{n - i}"/>' for i, s in enumerate(sheets))
    put(z, "xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<workbook {NS}>{pr}<sheets>{tabs}</sheets></workbook>')
    put(z, "xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {NS} count="{len(shared)}" uniqueCount="{len(shared)}">' + "".join(shared) + "</sst>")
    put(z, "xl/styles.xml", styles)
    for name, file, rows in sorted(sheets, key=lambda s: s[1]):
        put(z, "xl/worksheets/" + file, f'<?xml version="1.0"?><worksheet {NS}><sheetData>{rows}</sheetData></worksheet>')
    z.close()
    f.close()


STYLES = f'''<?xml version="1.0"?><styleSheet {NS}><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/><numFmt numFmtId="165" formatCode="&quot;Tel &quot;0"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="165"/></cellXfs></styleSheet>'''


def make_zipfile_xlsx():
    shared = [
        "<si><t>Name</t></si>",
        "<si><t>Phone</t></si>",
        '<si><r><rPr><b/></rPr><t xml:space="preserve">Zoë </t></r><r><t>Brontë</t></r><rPh sb="0" eb="1"><t>ゾエ</t></rPh></si>',
        "<si><t>line_x000D__x000A_two _x005F_x0041_ &amp; &lt;ok&gt;</t></si>",
        "<si><t>Other sheet</t></si>",
    ]
    contacts = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Joined</t></is></c><c r="E1" t="inlineStr"><is><t>Note</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>447911123456</v></c><c r="C2" s="1"><v>46352</v></c><c r="E2" t="str"><f>A2&amp;"!"</f><v>Zoë Brontë!</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><r><t>Ann</t></r><r><rPr><i/></rPr><t xml:space="preserve"> Lee</t></r></is></c><c r="B3" s="3"><v>4.47911123457E11</v></c><c r="C3" s="2"><v>46352.75</v></c><c r="D3" t="b"><v>1</v></c></row>'
        '<row r="4" spans="1:5"/>'
        '<row r="6"><c r="B6"><v>447911123456.5</v></c><c r="D6"><v>12345678901234567</v></c><c r="E6" t="e"><v>#N/A</v></c></row>'
        '<row r="7"><c r="A7" t="s"><v>3</v></c></row>'
    )
    other = '<row r="1"><c r="A1" t="s"><v>4</v></c></row>'
    xlsx(os.path.join(HERE, "zipfile.xlsx"), [("Contacts", "sheet2.xml", contacts), ("Other", "sheet1.xml", other)], shared, STYLES)
    expect("zipfile.xlsx", {
        "Contacts": [
            [1, ["Name", "Phone", "Joined", "", "Note"]],
            [2, ["Zoë Brontë", "447911123456", "2026-11-26", "", "Zoë Brontë!"]],
            [3, ["Ann Lee", "447911123457", "2026-11-26T18:00:00", "TRUE"]],
            [6, ["", "447911123456.5", "", "12345678901234567", "#N/A"]],
            [7, ["line\r\ntwo _x0041_ & <ok>"]],
        ],
        "Other": [[1, ["Other sheet"]]],
    })
    shared1904 = ["<si><t>When</t></si>"]
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" s="1"><v>44890</v></c><c r="B2" s="2"><v>0.5</v></c></row>'
    xlsx(os.path.join(HERE, "zipfile1904.xlsx"), [("Dates", "sheet1.xml", rows)], shared1904, STYLES, date1904=True, stream=False)
    expect("zipfile1904.xlsx", {"Dates": [[1, ["When"]], [2, ["2026-11-26", "1904-01-01T12:00:00"]]]})


def make_bomb():
    f = open(os.path.join(HERE, "bomb.xlsx"), "wb")
    z = zipfile.ZipFile(f, "w")
    put(z, "_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    put(z, "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    put(z, "xl/workbook.xml", f'<workbook {NS}><sheets><sheet name="Bomb" sheetId="1" r:id="rId1"/></sheets></workbook>')
    info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    with z.open(info, "w") as e:
        e.write(f'<worksheet {NS}><sheetData>'.encode())
        block = b"<row/>" * (1 << 20)
        for _ in range(32):
            e.write(block)
        e.write(b"</sheetData></worksheet>")
    z.close()
    f.close()


ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"')


def make_ods():
    content = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {ODS_NS} office:version="1.3"><office:body><office:spreadsheet>
<table:table table:name="Liste &amp; more"><table:table-column table:number-columns-repeated="3"/>
<table:table-header-rows><table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Phone</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>When</text:p></table:table-cell></table:table-row></table:table-header-rows>
<table:table-row><table:table-cell office:value-type="string"><text:p>Zoë<text:s text:c="2"/><text:span>Brontë</text:span></text:p><office:annotation><dc:creator>x</dc:creator><text:p>not a value</text:p></office:annotation></table:table-cell><table:table-cell office:value-type="float" office:value="447911123456"><text:p>4.47911E+11</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2026-11-26"><text:p>26/11/26</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1020"/></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>same</text:p></table:table-cell><table:table-cell office:value-type="time" office:time-value="PT17H40M05S"><text:p>17:40</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
<table:table-row><table:covered-table-cell/><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="0.25"><text:p>0.25</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>two</text:p><text:p>lines<text:tab/>tab</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048569"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
<table:table table:name="Second"><table:table-row><table:table-cell office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>'''
    with zipfile.ZipFile(os.path.join(HERE, "zipfile.ods"), "w") as z:
        put(z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        put(z, "content.xml", content)
        put(z, "META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    expect("zipfile.ods", {
        "Liste & more": [
            [1, ["Name", "Phone", "When"]],
            [2, ["Zoë  Brontë", "447911123456", "2026-11-26"]],
            [3, ["same", "same", "17:40:05"]],
            [4, ["same", "same", "17:40:05"]],
            [8, ["", "TRUE", "0.25", "two\nlines\ttab"]],
        ],
        "Second": [[1, ["0.5"]]],
    })


def make_openpyxl():
    try:
        import openpyxl
    except ImportError:
        print("openpyxl not installed: openpyxl.xlsx not made")
        return
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "People"
    ws.append(["Name", "Phone", "Joined"])
    ws.append(["Zoë", 447911123456, datetime.date(2026, 11, 26)])
    ws["E3"] = "sparse"
    ws.append([])
    other = wb.create_sheet("Before", 0)
    other["A1"] = "first tab"
    wb.save(os.path.join(HERE, "openpyxl.xlsx"))
    expect("openpyxl.xlsx", {
        "Before": [[1, ["first tab"]]],
        "People": [[1, ["Name", "Phone", "Joined"]], [2, ["Zoë", "447911123456", "2026-11-26"]], [3, ["", "", "", "", "sparse"]]],
    })


def make_xlsxwriter():
    try:
        import xlsxwriter
    except ImportError:
        print("xlsxwriter not installed: xlsxwriter.xlsx not made")
        return
    wb = xlsxwriter.Workbook(os.path.join(HERE, "xlsxwriter.xlsx"))
    ws = wb.add_worksheet("Numbers")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["Name", "Phone", "Joined"])
    ws.write_rich_string(1, 0, bold, "Zoë ", "Brontë")
    ws.write_number(1, 1, 447911123456)
    ws.write_datetime(1, 2, datetime.datetime(2026, 11, 26), date)
    ws.write_string(3, 3, "sparse")
    ws.write_formula(4, 0, '="a"&"b"', None, "ab")
    wb.close()
    expect("xlsxwriter.xlsx", {
        "Numbers": [[1, ["Name", "Phone", "Joined"]], [2, ["Zoë Brontë", "447911123456", "2026-11-26"]], [4, ["", "", "", "sparse"]], [5, ["ab"]]],
    })


LIST_ROWS = [
    ["Name", "Phone", "Joined", "Code"],
    ["Zoë Brontë", 447911123456, datetime.date(2026, 11, 26), "A1"],
    ["Ann Lee", 447911123457, datetime.date(2026, 11, 27), "B2"],
    None,
    ["Bob", "+44 7911 123458", datetime.date(2026, 11, 28), "C3"],
    [None, 447911123459.5, None, None],
    ["Eve", 447911123460, None, "E5"],
]


def make_list_csv():
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, datetime.date):
            return v.isoformat()
        if isinstance(v, float):
            return "4.479111234595E+11"
        return str(v)
    with open(os.path.join(HERE, "list.csv"), "w", encoding="utf-8", newline="") as f:
        for row in LIST_ROWS:
            f.write(",".join(cell(v) for v in row) + "\n" if row else "\n")


def make_list_zipfile_xlsx():
    shared = ["<si><t>Name</t></si>", "<si><t>Phone</t></si>", "<si><t>Joined</t></si>", "<si><t>Code</t></si>",
              '<si><r><rPr><b/></rPr><t xml:space="preserve">Zoë </t></r><r><t>Brontë</t></r></si>', "<si><t>Notes only</t></si>"]
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2"><v>447911123456</v></c><c r="C2" s="1"><v>46352</v></c><c r="D2" t="inlineStr"><is><t>A1</t></is></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><r><t>Ann</t></r><r><t xml:space="preserve"> Lee</t></r></is></c><c r="B3"><v>4.47911123457E11</v></c><c r="C3" s="1"><v>46353</v></c><c r="D3" t="str"><f>"B"&amp;"2"</f><v>B2</v></c></row>'
        '<row r="5"><c r="A5" t="inlineStr"><is><t>Bob</t></is></c><c r="B5" t="inlineStr"><is><t>+44 7911 123458</t></is></c><c r="C5" s="1"><v>46354</v></c><c r="D5" t="inlineStr"><is><t>C3</t></is></c></row>'
        '<row r="6"><c r="B6"><v>447911123459.5</v></c></row>'
        '<row r="7"><c r="A7" t="inlineStr"><is><t>Eve</t></is></c><c r="B7"><v>447911123460</v></c><c r="D7" t="inlineStr"><is><t>E5</t></is></c></row>'
    )
    notes = '<row r="1"><c r="A1" t="s"><v>5</v></c></row>'
    xlsx(os.path.join(HERE, "list_zipfile.xlsx"), [("People", "sheet2.xml", rows), ("Notes", "sheet1.xml", notes)], shared, STYLES)


def make_list_ods():
    def text(v):
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
    def num(v):
        return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
    def date(v):
        return f'<table:table-cell office:value-type="date" office:date-value="{v}"><text:p>{v}</text:p></table:table-cell>'
    empty = '<table:table-cell/>'
    rows = [
        text("Name") + text("Phone") + text("Joined") + text("Code"),
        text('Zoë<text:s/><text:span>Brontë</text:span>') + num("447911123456") + date("2026-11-26") + text("A1") + '<table:table-cell table:number-columns-repeated="1020"/>',
    ]
    body = "".join(f"<table:table-row>{r}</table:table-row>" for r in rows)
    body += f'<table:table-row table:number-rows-repeated="2">{text("Ann Lee")}{num("447911123457")}{date("2026-11-27")}{text("B2")}</table:table-row>'
    body += '<table:table-row><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    body += f'<table:table-row>{text("Bob")}{text("+44 7911 123458")}{date("2026-11-28")}{text("C3")}</table:table-row>'
    body += f'<table:table-row>{empty}{num("447911123459.5")}<table:table-cell table:number-columns-repeated="2"/></table:table-row>'
    body += f'<table:table-row>{text("Eve")}{num("447911123460")}{empty}{text("E5")}</table:table-row>'
    body += '<table:table-row table:number-rows-repeated="1048568"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    content = f'''<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {ODS_NS} office:version="1.3"><office:body><office:spreadsheet>
<table:table table:name="People"><table:table-column table:number-columns-repeated="1024"/>{body}</table:table>
</office:spreadsheet></office:body></office:document-content>'''
    with zipfile.ZipFile(os.path.join(HERE, "list_zipfile.ods"), "w") as z:
        put(z, "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        put(z, "content.xml", content)
        put(z, "META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')


def make_list_openpyxl():
    try:
        import openpyxl
    except ImportError:
        print("openpyxl not installed: list_openpyxl.xlsx not made")
        return
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "People"
    for i, row in enumerate(LIST_ROWS):
        for j, v in enumerate(row or []):
            if v is not None:
                ws.cell(row=i + 1, column=j + 1, value=v)
    old = wb.create_sheet("Old", 0)
    old.append(["Name", "Phone"])
    old.append(["Gone", 447700900999])
    wb.save(os.path.join(HERE, "list_openpyxl.xlsx"))
    old.sheet_state = "hidden"
    wb.active = 1
    wb.save(os.path.join(HERE, "list_openpyxl_hidden.xlsx"))


def make_list_xlsxwriter():
    try:
        import xlsxwriter
    except ImportError:
        print("xlsxwriter not installed: list_xlsxwriter.xlsx not made")
        return
    wb = xlsxwriter.Workbook(os.path.join(HERE, "list_xlsxwriter.xlsx"))
    ws = wb.add_worksheet("People")
    bold = wb.add_format({"bold": True})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    for i, row in enumerate(LIST_ROWS):
        for j, v in enumerate(row or []):
            if v is None:
                continue
            if isinstance(v, datetime.date):
                ws.write_datetime(i, j, datetime.datetime(v.year, v.month, v.day), date)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v)
            elif v == "Zoë Brontë":
                ws.write_rich_string(i, j, bold, "Zoë ", "Brontë")
            elif v == "C3":
                ws.write_formula(i, j, '="C"&"3"', None, "C3")
            else:
                ws.write_string(i, j, v)
    wb.close()


def make_stops_xlsxwriter():
    try:
        import xlsxwriter
    except ImportError:
        print("xlsxwriter not installed: stops_xlsxwriter.xlsx not made")
        return
    wb = xlsxwriter.Workbook(os.path.join(HERE, "stops_xlsxwriter.xlsx"))
    first = wb.add_worksheet("November")
    first.write_row(0, 0, ["From", "Date Received", "Text"])
    first.write_row(1, 0, ["+447911123456", "2026-11-20T08:00:00Z", "What time do you open?"])
    second = wb.add_worksheet("December")
    second.write_row(0, 0, ["From", "Date Received", "Text"])
    second.write_number(1, 0, 447911123457)
    second.write_row(1, 1, ["2026-11-25T08:00:00Z", "STOP"])
    wb.close()


if __name__ == "__main__":
    make_list_csv()
    make_list_zipfile_xlsx()
    make_list_ods()
    make_list_openpyxl()
    make_list_xlsxwriter()
    make_stops_xlsxwriter()
    make_zipfile_xlsx()
    make_bomb()
    make_ods()
    make_openpyxl()
    make_xlsxwriter()
