// XMLByteScannerTests.swift: the streaming XML tokenizer: elements, attributes (both quotes,
// '>' inside a value), text with every predefined and numeric entity, CDATA, self-closing tags,
// comments and declarations skipped, input fed one byte at a time; refusals with byte offsets:
// a DTD, an unknown entity, a mismatched end tag, an unclosed document.

import Testing
@testable import OptoutBase

@Suite("XMLByteScanner")
struct XMLByteScannerTests {
    func events(_ xml: String, chunk: Int = 1) throws -> [XMLEvent] {
        let scanner = XMLByteScanner(source: chunkedSource(Array(xml.utf8), size: chunk))
        var out: [XMLEvent] = []
        while let e = try scanner.next() { out.append(e) }
        return out
    }

    func failure(_ xml: String) -> XMLError? {
        do { _ = try events(xml, chunk: 3); return nil } catch let e as XMLError { return e } catch { return nil }
    }

    @Test("elements, attributes, entities, CDATA, self-closing tags; any chunking")
    func document() throws {
        let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<!-- c -->"
            + "<x:row r=\"1\" spans='1:3' note=\"a>b &amp; &#233;\"><c r=\"A1\" t=\"s\"/>"
            + "<t xml:space=\"preserve\">A&amp;B &lt;&gt;&quot;&apos; &#x1F600;&#65;\r\nz</t><![CDATA[<raw>&amp;]]></x:row>"
        for chunk in [1, 2, 7, 1000] {
            let got = try events(xml, chunk: chunk)
            let expected: [XMLEvent] = [
                .text("\n"),
                .start(XMLStartTag(name: "x:row", attributes: [
                    XMLAttribute(name: "r", value: "1"), XMLAttribute(name: "spans", value: "1:3"),
                    XMLAttribute(name: "note", value: "a>b & é")], selfClosing: false)),
                .start(XMLStartTag(name: "c", attributes: [XMLAttribute(name: "r", value: "A1"), XMLAttribute(name: "t", value: "s")], selfClosing: true)),
                .end("c"),
                .start(XMLStartTag(name: "t", attributes: [XMLAttribute(name: "xml:space", value: "preserve")], selfClosing: false)),
                .text("A&B <>\"' 😀A\nz"),
                .end("t"),
                .text("<raw>&amp;"),
                .end("x:row"),
            ]
            #expect(got == expected, "chunks of \(chunk)")
        }
        if case .start(let tag)? = try events("<table:table-cell office:value-type=\"float\"/>").first {
            #expect(tag.localName == "table-cell")
            #expect(tag.attribute("office:value-type") == "float")
            #expect(tag.attribute(local: "value-type") == "float")
        } else {
            Issue.record("no start tag")
        }
    }

    @Test("refusals with byte offsets", arguments: [
        ("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>", 21, "DTD"),
        ("<a>x &nbsp; y</a>", 5, "unknown entity &nbsp;"),
        ("<a>x & y</a>", 5, "'&' not starting an entity"),
        ("<a><b></a>", 6, "</a> closes <b>"),
        ("<a><b>text", 10, "ends with <b> still open"),
        ("<a attr=x/>", 3, "not quoted"),
        ("<a>&#0;</a>", 3, "invalid character reference"),
    ])
    func refusals(xml: String, offset: Int, reason: String) {
        let error = failure(xml)
        #expect(error?.offset == offset, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }
}
