#!/usr/bin/env python3
"""generate_metadata.py — turns libphonenumber's metadata into optout's compact Swift table, and
writes the differential fixture that the Swift tests check the parser against.

Input: the `phonenumbers` PyPI package (Google libphonenumber's metadata, Apache-2.0), installed
with `pip install phonenumbers`.
Outputs (paths relative to the package root, found from this file's location):
  Sources/OptoutPhone/PhoneMetadata.generated.swift   region table + compiled patterns
  Tests/OptoutKitTests/Fixtures/phone_differential.tsv    messy inputs with libphonenumber's answers
  Sources/OptoutPhone/PhoneZones.generated.swift      prefix → time zones, US/CA area code → state/province
  Sources/OptoutPhone/PhoneRegionNames.generated.swift  English region names (--names-only)
Failures: exits non-zero with a message if the package is missing or a pattern uses regex syntax
the Swift matcher does not implement (so a metadata update can never be silently misread).

Usage: python3 Sources/OptoutPhone/generate_metadata.py [--table-only | --fixture-only | --zones-only | --names-only]
(--table-only writes the Swift tables; --zones-only only PhoneZones.generated.swift; --names-only only
PhoneRegionNames.generated.swift.)

How patterns are kept: every libphonenumber pattern we need (international prefix, national prefix
for parsing, leading digits, and the national-number pattern of each number type) is compiled here
into a tiny backtracking program over the digits 0-9 (CHAR set, SPLIT, JMP, SAVE, MATCH, END), the
same leftmost-first semantics as the Python/Java regex engines libphonenumber uses, so the Swift side
needs no regex engine and no Strings. For every pattern we also compute the set of string lengths it
can match (a sound length prefilter that lets the common case skip the program entirely).
"""
import base64
import os
import random
import struct
import sys

try:
    import phonenumbers
    from phonenumbers import PhoneMetadata, COUNTRY_CODE_TO_REGION_CODE
    import phonenumbers.phonenumberutil as pnu
except ImportError:  # pragma: no cover
    sys.exit("generate_metadata.py: the `phonenumbers` package is missing; run `pip install phonenumbers`")

try:
    import re._parser as sre_parse  # Python >= 3.11
    import re._constants as sre_c
except ImportError:  # pragma: no cover
    import sre_parse
    import sre_constants as sre_c

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SWIFT_OUT = os.environ.get("PHONE_METADATA_OUT") or os.path.join(HERE, "PhoneMetadata.generated.swift")
FIXTURE_OUT = os.path.join(ROOT, "Tests", "OptoutKitTests", "Fixtures", "phone_differential.tsv")

# Instruction set of the Swift matcher (PhoneRegex.swift). One UInt32 per word; op in the low 3 bits.
OP_CHAR, OP_SPLIT, OP_JMP, OP_SAVE, OP_MATCH, OP_END = range(6)
MAXLEN = 63  # length masks are UInt64; bit 63 stands for "63 or more"

TYPE_FIELDS = ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager",
               "uan", "voicemail", "fixed_line", "mobile"]


class Unsupported(Exception):
    pass


def char_mask(op, av):
    """Bit mask over digits 0-9 for one LITERAL or IN node (non-digits can never match)."""
    if op == sre_c.LITERAL:
        c = chr(av)
        return (1 << int(c)) if c.isdigit() and c.isascii() else 0
    if op == sre_c.IN:
        mask = 0
        negate = False
        for iop, iav in av:
            if iop == sre_c.NEGATE:
                negate = True
            elif iop == sre_c.LITERAL:
                c = chr(iav)
                if c.isascii() and c.isdigit():
                    mask |= 1 << int(c)
            elif iop == sre_c.RANGE:
                lo, hi = iav
                for d in range(10):
                    if lo <= ord(str(d)) <= hi:
                        mask |= 1 << d
            elif iop == sre_c.CATEGORY and iav == sre_c.CATEGORY_DIGIT:
                mask |= 0x3FF
            else:
                raise Unsupported("class item %r" % (iop,))
        return (~mask & 0x3FF) if negate else mask
    raise Unsupported(str(op))


class Compiler:
    """Compiles one parsed pattern into the matcher's program (list of 32-bit words)."""

    def __init__(self):
        self.code = []
        self.groups = 0

    def emit(self, *words):
        self.code.extend(words)
        return len(self.code) - len(words)

    def patch_split(self, at, x, y):
        self.code[at] = OP_SPLIT | (x << 3)
        self.code[at + 1] = y

    def seq(self, nodes):
        for op, av in nodes:
            self.node(op, av)

    def node(self, op, av):
        if op in (sre_c.LITERAL, sre_c.IN):
            self.emit(OP_CHAR | (char_mask(op, av) << 3))
        elif op == sre_c.SUBPATTERN:
            group, _add, _del, sub = av
            if group is not None:
                self.groups = max(self.groups, group)
                self.emit(OP_SAVE | ((2 * group) << 3))
            self.seq(sub)
            if group is not None:
                self.emit(OP_SAVE | ((2 * group + 1) << 3))
        elif op == sre_c.BRANCH:
            _, branches = av
            jumps = []
            for i, b in enumerate(branches):
                if i < len(branches) - 1:
                    split = self.emit(0, 0)
                    self.seq(b)
                    jumps.append(self.emit(0))
                    self.patch_split(split, split + 2, len(self.code))
                else:
                    self.seq(b)
            for j in jumps:
                self.code[j] = OP_JMP | (len(self.code) << 3)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            lo, hi, sub = av
            greedy = op == sre_c.MAX_REPEAT
            for _ in range(lo):
                self.seq(sub)
            if hi == sre_c.MAXREPEAT:
                loop = self.emit(0, 0)
                self.seq(sub)
                self.emit(OP_JMP | (loop << 3))
                body, out = loop + 2, len(self.code)
                self.patch_split(loop, body if greedy else out, out if greedy else body)
            else:
                splits = []
                for _ in range(hi - lo):
                    splits.append(self.emit(0, 0))
                    self.seq(sub)
                out = len(self.code)
                for s in splits:
                    self.patch_split(s, s + 2 if greedy else out, out if greedy else s + 2)
        elif op == sre_c.AT:
            if av in (sre_c.AT_END, sre_c.AT_END_STRING):
                self.emit(OP_END)
            elif av in (sre_c.AT_BEGINNING, sre_c.AT_BEGINNING_STRING):
                pass  # programs always start at the beginning
            else:
                raise Unsupported("anchor %r" % (av,))
        else:
            raise Unsupported(str(op))


def lengths_of(nodes):
    """Set of string lengths (capped at MAXLEN) the node sequence can match on digit-only input."""
    acc = {0}
    for op, av in nodes:
        acc = {min(a + b, MAXLEN) for a in acc for b in node_lengths(op, av)}
        if not acc:
            return set()
    return acc


def node_lengths(op, av):
    if op in (sre_c.LITERAL, sre_c.IN):
        return {1} if char_mask(op, av) else set()
    if op == sre_c.SUBPATTERN:
        return lengths_of(av[3])
    if op == sre_c.BRANCH:
        out = set()
        for b in av[1]:
            out |= lengths_of(b)
        return out
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        lo, hi, sub = av
        one = lengths_of(sub)
        cur = {0}
        for _ in range(lo):
            cur = {min(a + b, MAXLEN) for a in cur for b in one}
        out = set(cur)
        top = MAXLEN if hi == sre_c.MAXREPEAT else hi
        for _ in range(lo, top):
            cur = {min(a + b, MAXLEN) for a in cur for b in one}
            if cur <= out:
                break
            out |= cur
        return out
    if op == sre_c.AT:
        return {0}
    raise Unsupported(str(op))


def mask_of(lengths):
    m = 0
    for n in lengths:
        if 0 <= n <= MAXLEN:
            m |= 1 << n
    return m


class Pool:
    """All programs back to back; identical patterns share one program."""

    def __init__(self):
        self.words = []
        self.index = {}
        self.longest = 0

    def add(self, pattern):
        """Returns (program offset or -1, group count, length mask of full matches)."""
        if pattern is None or pattern == "":
            return -1, 0, 0
        if pattern in self.index:
            return self.index[pattern]
        tree = sre_parse.parse(pattern)
        c = Compiler()
        c.seq(tree)
        c.emit(OP_MATCH)
        if len(c.code) >= (1 << 28):
            raise Unsupported("program too long")
        offset = len(self.words)
        self.words.extend(c.code)
        self.longest = max(self.longest, len(c.code))
        entry = (offset, c.groups, mask_of(lengths_of(tree)))
        self.index[pattern] = entry
        return entry


def metadata_for(cc, region):
    if region == "001":
        return PhoneMetadata.metadata_for_nongeo_region(cc)
    return PhoneMetadata.metadata_for_region(region)


def transform_bytes(rule):
    """`9\\1` → bytes: ASCII digits stay, a group reference n becomes 0x80|n."""
    out = bytearray()
    i = 0
    while i < len(rule):
        ch = rule[i]
        if ch == "\\" and i + 1 < len(rule) and rule[i + 1].isdigit():
            out.append(0x80 | int(rule[i + 1]))
            i += 2
        elif ch == "$" and i + 1 < len(rule) and rule[i + 1].isdigit():
            out.append(0x80 | int(rule[i + 1]))
            i += 2
        elif ch.isdigit():
            out.append(ord(ch))
            i += 1
        else:
            raise Unsupported("transform rule %r" % rule)
    return bytes(out)


def build_table():
    pool = Pool()
    transforms = bytearray()
    records = []
    summary = []
    for cc in sorted(COUNTRY_CODE_TO_REGION_CODE):
        for pos, region in enumerate(COUNTRY_CODE_TO_REGION_CODE[cc]):
            md = metadata_for(cc, region)
            if md is None:
                continue
            gd = md.general_desc
            flags = 0
            if md.same_mobile_and_fixed_line_pattern:
                flags |= 1
            if md.leading_digits is not None:
                flags |= 2
            if pos == 0:
                flags |= 4
            idd = pool.add(md.international_prefix)[0]
            pnp, pnp_groups, _ = pool.add(md.national_prefix_for_parsing)
            if pnp_groups > 3:
                raise Unsupported("national prefix for parsing of %s has more than 3 groups" % region)
            lead = pool.add(md.leading_digits)[0]
            gen, _, gen_pattern_mask = pool.add(gd.national_number_pattern)
            t_off, t_len = len(transforms), 0
            if md.national_prefix_transform_rule:
                tb = transform_bytes(md.national_prefix_transform_rule)
                transforms.extend(tb)
                t_len = len(tb)
                flags |= 8
            possible = [n for n in gd.possible_length if n > 0]
            local = [n for n in gd.possible_length_local_only if n > 0]
            descs = []
            for field in TYPE_FIELDS:
                desc = getattr(md, field)
                if desc is None or not desc.national_number_pattern:
                    descs.append((0, -1))
                    continue
                prog, _, pmask = pool.add(desc.national_number_pattern)
                if len(desc.possible_length) > 0:
                    pmask &= mask_of(desc.possible_length)
                descs.append((pmask, prog))
            iso = b"\0\0" if region == "001" else region.encode("ascii")
            rec = struct.pack("<2sHHHHBB", iso, cc, flags, t_off, t_len, pnp_groups, 0)
            rec += struct.pack("<QQQ", mask_of(possible), mask_of(local), gen_pattern_mask)
            rec += struct.pack("<iiii", idd, pnp, lead, gen)
            for pmask, prog in descs:
                rec += struct.pack("<Qi", pmask, prog)
            records.append(rec)
            summary.append("//   %-3s +%-4d idd %-14s trunk %-6s lengths %s%s" % (
                region, cc, md.international_prefix if md.international_prefix and len(md.international_prefix) <= 14 else ("(pattern)" if md.international_prefix else "-"),
                md.national_prefix or "-", ",".join(str(n) for n in possible),
                (" local " + ",".join(str(n) for n in local)) if local else ""))
    rec_size = len(records[0])
    assert all(len(r) == rec_size for r in records)
    header = struct.pack("<4sIIIII", b"PHN1", len(records), rec_size, len(pool.words), len(transforms), 0)
    blob = header + b"".join(records) + struct.pack("<%dI" % len(pool.words), *pool.words) + bytes(transforms)
    return blob, summary, pool, rec_size, len(records)


SWIFT_HEADER = """// PhoneMetadata.generated.swift — GENERATED by Sources/OptoutPhone/generate_metadata.py; do not edit.
// Regenerate: python3 Sources/OptoutPhone/generate_metadata.py
//
// Source: the `phonenumbers` PyPI package, version {version}, which ships Google's libphonenumber
// metadata (https://github.com/google/libphonenumber, resources/PhoneNumberMetadata.xml).
// Licence of that metadata: Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0);
// Copyright (C) 2009-{year} The Libphonenumber Authors. This file is a derived, re-encoded form of it.
//
// Input: none. Output: `PhoneMetadataBlob.base64`, decoded once by PhoneMetadata.swift into the
// region table ({regions} records of {recsize} bytes) and the pattern programs ({words} words,
// longest {longest}). Failures: none at run time (the decoder checks the magic and sizes).
//
// Regions (ISO, calling code, international prefix, national prefix, possible NSN lengths):
{summary}

/// The encoded metadata; layout documented in PhoneMetadata.swift.
enum PhoneMetadataBlob {{
    static let source = "phonenumbers {version} (libphonenumber metadata, Apache-2.0)"
    static let base64 = \"\"\"
{b64}
\"\"\"
}}
"""


def write_table():
    blob, summary, pool, rec_size, nrec = build_table()
    b64 = base64.b64encode(blob).decode("ascii")
    lines = [b64[i:i + 120] for i in range(0, len(b64), 120)]
    text = SWIFT_HEADER.format(version=phonenumbers.__version__, year=2025, regions=nrec,
                               recsize=rec_size, words=len(pool.words), longest=pool.longest,
                               summary="\n".join(summary), b64="\n".join(lines))
    with open(SWIFT_OUT, "w") as f:
        f.write(text)
    print("wrote %s (%d bytes, %d regions, %d program words)" % (SWIFT_OUT, len(text), nrec, len(pool.words)))


# ---------------------------------------------------------------------------------------------
# Differential fixture
# ---------------------------------------------------------------------------------------------

FIXTURE_REGIONS = ["GB", "US", "CA", "FR", "DE", "ES", "IT", "IE", "NL", "BE", "AU", "NZ", "AT", "CH",
                   "SE", "NO", "DK", "FI", "PL", "PT", "BR", "MX", "AR", "IN", "JP", "CN", "HK", "SG",
                   "ZA", "NG", "KE", "RU", "TR", "IL", "AE", "SA", "PH", "ID", "KR", "GR", "CZ", "HU",
                   "RO", "JE", "GG", "IM", "PR", "LU", "MY", "EG"]


def lib_answer(text, region):
    """libphonenumber's verdict: (e164 or "", result code, extension present, number type name).

    Result codes: OK (is_possible_number_with_reason == IS_POSSIBLE), LOCAL_ONLY, TOO_SHORT, TOO_LONG,
    INVALID_LENGTH, INVALID_COUNTRY_CODE, and the parse exceptions (PARSE_<type>)."""
    try:
        n = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as e:
        return "", "PARSE_%d" % e.error_type, False, ""
    r = phonenumbers.is_possible_number_with_reason(n)
    code = {pnu.ValidationResult.IS_POSSIBLE: "OK",
            pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "LOCAL_ONLY",
            pnu.ValidationResult.TOO_SHORT: "TOO_SHORT",
            pnu.ValidationResult.TOO_LONG: "TOO_LONG",
            pnu.ValidationResult.INVALID_LENGTH: "INVALID_LENGTH",
            pnu.ValidationResult.INVALID_COUNTRY_CODE: "INVALID_COUNTRY_CODE"}[r]
    e164 = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    ntype = ""
    if code == "OK":
        t = phonenumbers.number_type(n)
        ntype = {v: k for k, v in vars(phonenumbers.PhoneNumberType).items() if isinstance(v, int)}[t]
    return e164, code, bool(n.extension), ntype


def example_numbers(region, rng):
    """A few national significant numbers of a region: libphonenumber's examples plus digit variations."""
    md = PhoneMetadata.metadata_for_region(region)
    out = []
    for field in ["mobile", "fixed_line", "toll_free", "voip", "personal_number", "uan"]:
        desc = getattr(md, field)
        if desc is not None and desc.example_number:
            ex = desc.example_number
            out.append(ex)
            for _ in range(3):
                # keep the first digits (the number range) and vary the rest
                keep = min(len(ex), 3)
                out.append(ex[:keep] + "".join(rng.choice("0123456789") for _ in range(len(ex) - keep)))
    return out


def group(digits, rng):
    """Splits digits into groups of 2-4 (random)."""
    parts = []
    i = 0
    while i < len(digits):
        k = rng.choice([2, 3, 3, 4])
        parts.append(digits[i:i + k])
        i += k
    return parts


def variants(region, nsn, rng):
    """Messy ways to write one national significant number of `region`."""
    md = PhoneMetadata.metadata_for_region(region)
    cc = str(md.country_code)
    trunk = md.national_prefix or ""
    national = trunk + nsn
    out = []
    sep = rng.choice([" ", "-", ".", " ", "/"])
    out.append(national)
    out.append(" ".join(group(national, rng)))
    out.append(sep.join(group(national, rng)))
    if len(national) > 4:
        out.append("(" + national[:3] + ") " + " ".join(group(national[3:], rng)))
    out.append("+" + cc + nsn)
    out.append("+" + cc + " " + " ".join(group(nsn, rng)))
    out.append("+" + cc + "-" + "-".join(group(nsn, rng)))
    out.append("+" + cc + " (" + (trunk or "0") + ")" + " ".join(group(nsn, rng)))
    out.append("00" + cc + " " + " ".join(group(nsn, rng)))
    out.append("011 " + cc + " " + nsn)
    out.append(cc + nsn)
    out.append("tel:+" + cc + "-" + "-".join(group(nsn, rng)))
    out.append(nsn)  # national with the trunk prefix dropped (spreadsheet damage)
    out.append(national[:-2])  # too short
    out.append(national + rng.choice(["1", "12", "123"]))  # too long
    out.append("+" + cc + nsn[:-3])
    out.append("+" + cc + nsn + "99")
    out.append("\u00a0+" + cc + "\u00a0" + nsn + " ")
    out.append("+" + cc + "." + ".".join(group(nsn, rng)))
    return out


def garbage(rng):
    pool = [
        "", " ", "-", "n/a", "N/A", "none", "unknown", "0", "00", "+", "++", "123", "+1", "+44",
        "4.47911E+11", "4,47911E+11", "1.23457E+11", "6.12346E+08", "3.3612345678e11",
        "07911 123456 x12", "+1 415 555 0123 ext. 45", "+44 20 7946 0000;ext=12",
        "tel:+1-415-555-0123;ext=7", "+1 (415) 555-0123 #12", "0800 FLOWERS", "1-800-FLOWERS",
        "call me", "+44 7911 12345a", "07911-12345-6", "+999 1234 5678", "+0 123 456 789",
        "(0)7911 123456", "+44 (0) 7911 123456", "#", "*123#", "+44 7911 123456 / +44 7911 654321",
        "07911 123456, 07911 654321", "=+447911123456", "'+447911123456", "\"+447911123456\"",
    ]
    s = rng.choice(pool)
    if rng.random() < 0.3:
        s = "".join(rng.choice("0123456789 -+().x") for _ in range(rng.randint(1, 20)))
    return s


def write_fixture(count=24000, seed=20251126):
    rng = random.Random(seed)
    rows = []
    seen = set()
    regions = FIXTURE_REGIONS
    while len(rows) < count:
        region = rng.choice(regions)
        roll = rng.random()
        inputs = []
        if roll < 0.05:
            inputs = [garbage(rng)]
        else:
            nums = example_numbers(region, rng)
            if not nums:
                continue
            nsn = rng.choice(nums)
            inputs = variants(region, nsn, rng)
            rng.shuffle(inputs)
            inputs = inputs[: rng.randint(4, 10)]
        for text in inputs:
            if "\t" in text or "\n" in text:
                continue
            reg = region if rng.random() > 0.03 else ""
            key = (text, reg)
            if key in seen:
                continue
            seen.add(key)
            e164, code, ext, ntype = lib_answer(text, reg or None)
            alt = ""
            stripped = text.strip()
            if not reg and stripped.startswith("00") and code != "OK":
                # optout reads a leading 00 as the international prefix even with no default region;
                # record libphonenumber's answer for the same digits written with "+".
                a_e164, a_code, a_ext, _ = lib_answer("+" + stripped[2:], None)
                alt = a_e164 if a_code == "OK" and not a_ext else a_code
            rows.append((text, reg, e164 if code == "OK" else "", code, "ext" if ext else "", ntype, alt))
    with open(FIXTURE_OUT, "w", encoding="utf-8") as f:
        f.write("# Differential fixture for PhoneNumberParser, generated by Sources/OptoutPhone/generate_metadata.py\n")
        f.write("# from phonenumbers %s (libphonenumber metadata, Apache-2.0). Columns: input, default region\n" % phonenumbers.__version__)
        f.write("# (empty = none), E.164 when libphonenumber parses it and is_possible_number_with_reason is\n")
        f.write("# IS_POSSIBLE, libphonenumber's result code, 'ext' if it found an extension, number type,\n")
        f.write("# and for inputs with no region that start with 00: libphonenumber's answer for '+' instead of 00.\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print("wrote %s (%d rows, %d regions)" % (FIXTURE_OUT, len(rows), len(regions)))


# ---------------------------------------------------------------------------------------------
# Recipient zones: prefix → IANA time zones, and US/Canada area code → state or province
# ---------------------------------------------------------------------------------------------

ZONES_OUT = os.environ.get("PHONE_ZONES_OUT") or os.path.join(HERE, "PhoneZones.generated.swift")

# The geocoder's English names of US states (and DC) and Canadian provinces and territories, as
# libphonenumber spells them (including its own variants), with their two-letter postal codes.
# A name the generator cannot map fails the run unless its area code belongs to another NANP region.
US_STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT",
    "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT",
    "Virginia": "VA", "Washington": "WA", "Washington State": "WA", "West Virginia": "WV",
    "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}
CA_PROVINCE_NAMES = {
    "Alberta": "AB", "British Columbia": "BC", "British Colombia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Newfoundland": "NL", "Nova Scotia": "NS",
    "Ontario": "ON", "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK",
    "Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT",
}
US_CA_CODES = set(US_STATE_NAMES.values()) | set(CA_PROVINCE_NAMES.values())


def region_codes_of_name(name):
    """Postal codes named by one geocoder description ("Texas", "San Antonio, TX", "Nova Scotia/Prince
    Edward Island"), or None if it names no US state or Canadian province."""
    tail = name.rsplit(", ", 1)
    if len(tail) == 2 and tail[1] in US_CA_CODES:
        return [tail[1]]
    codes = []
    for part in name.split("/"):
        code = US_STATE_NAMES.get(part) or CA_PROVINCE_NAMES.get(part)
        if code is None:
            return None
        codes.append(code)
    return sorted(set(codes))


def other_nanp_region(npa):
    """The non-US/CA NANP region whose leading digits claim area code `npa`, or None."""
    import re
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        if region in ("US", "CA"):
            continue
        md = PhoneMetadata.metadata_for_region(region)
        if md is not None and md.leading_digits and re.match(md.leading_digits, npa + "2000000"):
            return region
    return None


def area_code_regions():
    """{npa: [postal codes]} for every US/CA area code the geocoder names (English data), and notes.

    The area code's own entry ("1NPA") is used when it exists (libphonenumber's area-code-level
    name); otherwise the codes of all its longer entries ("1NPAxxx"). Entries naming places in other
    NANP regions (Bahamas, Jamaica, ...) are checked against those regions' leading digits."""
    from phonenumbers.geodata import GEOCODE_DATA
    by_npa = {}
    for prefix, names in GEOCODE_DATA.items():
        if not prefix.startswith("1") or len(prefix) < 4 or "en" not in names:
            continue
        by_npa.setdefault(prefix[1:4], []).append((prefix, names["en"]))
    out, others = {}, []
    for npa, entries in sorted(by_npa.items()):
        own = [name for prefix, name in entries if len(prefix) == 4]
        names = own if own else [name for _, name in entries]
        codes = set()
        unmapped = []
        for name in names:
            c = region_codes_of_name(name)
            if c is None:
                unmapped.append(name)
            else:
                codes.update(c)
        if unmapped:
            other = other_nanp_region(npa)
            if other is None or codes:
                raise Unsupported("area code %s: geocoder names %r map to no US state or Canadian province "
                                  "and to no other NANP region; add them to US_STATE_NAMES/CA_PROVINCE_NAMES"
                                  % (npa, sorted(set(unmapped))))
            others.append("%s:%s" % (npa, other))
            continue
        out[npa] = sorted(codes)
    return out, others


def write_zones():
    from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX
    names = sorted({z for zones in TIMEZONE_DATA.values() for z in zones})
    if len(names) >= 0xFFFF:
        raise Unsupported("too many zone names")
    name_index = {n: i for i, n in enumerate(names)}
    lists, list_index = [], {}
    entries = []
    for prefix, zones in TIMEZONE_DATA.items():
        if not prefix.isdigit() or prefix.startswith("0") or len(prefix) > 15:
            raise Unsupported("time-zone prefix %r" % prefix)
        key = tuple(zones)
        if key not in list_index:
            list_index[key] = len(lists)
            lists.append(key)
        entries.append(((int(prefix) << 4) | len(prefix), list_index[key], prefix))
    entries.sort()
    list_start, list_zones = [], []
    for zones in lists:
        list_start.append(len(list_zones))
        list_zones.extend(name_index[z] for z in zones)
    list_start.append(len(list_zones))
    areas, others = area_code_regions()
    region_lists, region_list_index = [], {}
    for codes in areas.values():
        if tuple(codes) not in region_list_index:
            region_list_index[tuple(codes)] = len(region_lists)
            region_lists.append(tuple(codes))
    geo_mobile = sorted(pnu._GEO_MOBILE_COUNTRIES)

    def wrap(items, per_line, indent="        "):
        items = list(items)
        return "\n".join(indent + ", ".join(items[i:i + per_line]) + "," for i in range(0, len(items), per_line))

    version = phonenumbers.__version__
    text = ZONES_HEADER.format(
        version=version, year=2026, prefixes=len(entries), lists=len(lists), names=len(names),
        areas=len(areas), longest=TIMEZONE_LONGEST_PREFIX, multi=", ".join(
            "%s→%s" % (npa, "/".join(c)) for npa, c in sorted(areas.items()) if len(c) > 1),
        others=len(others))
    text += "enum PhoneZoneData {\n"
    text += '    static let source = "phonenumbers %s (libphonenumber time-zone and geocoding data, Apache-2.0)"\n' % version
    text += "    /// Longest prefix in `prefixKeys` (digits).\n    static let longestPrefix = %d\n" % TIMEZONE_LONGEST_PREFIX
    text += "    /// Calling codes whose mobile numbers are geographical (libphonenumber's GEO_MOBILE_COUNTRIES).\n"
    text += "    static let geoMobileCountries: [Int] = [%s]\n" % ", ".join(str(c) for c in geo_mobile)
    text += "    /// IANA zone identifiers, ascending.\n    static let names: [String] = [\n%s\n    ]\n" % wrap(
        ('"%s"' % n for n in names), 4)
    text += "    /// Zone list i is names[listZones[listStart[i] ..< listStart[i + 1]]], in libphonenumber's order.\n"
    text += "    static let listStart: [UInt16] = [\n%s\n    ]\n" % wrap((str(x) for x in list_start), 20)
    text += "    static let listZones: [UInt16] = [\n%s\n    ]\n" % wrap((str(x) for x in list_zones), 20)
    text += "    /// (prefix digits as an integer) << 4 | (prefix length), ascending; E.164 digits without \"+\".\n"
    text += "    static let prefixKeys: [UInt64] = [\n%s\n    ]\n" % wrap((str(k) for k, _, _ in entries), 10)
    text += "    /// The zone list of prefixKeys[i].\n"
    text += "    static let prefixList: [UInt16] = [\n%s\n    ]\n" % wrap((str(v) for _, v, _ in entries), 20)
    text += "    /// US and Canadian area codes (NPA), ascending, with the index of their postal codes in `regionLists`.\n"
    text += "    static let areaCodes: [UInt16] = [\n%s\n    ]\n" % wrap((npa for npa in areas), 20)
    text += "    static let areaRegionList: [UInt8] = [\n%s\n    ]\n" % wrap(
        (str(region_list_index[tuple(c)]) for c in areas.values()), 20)
    text += "    /// Two-letter postal codes (US states and DC, Canadian provinces and territories).\n"
    text += "    static let regionLists: [[String]] = [\n%s\n    ]\n" % wrap(
        ("[%s]" % ", ".join('"%s"' % c for c in codes) for codes in region_lists), 8)
    text += "}\n"
    with open(ZONES_OUT, "w") as f:
        f.write(text)
    print("wrote %s (%d bytes, %d prefixes, %d zone lists, %d zones, %d US/CA area codes, %d other NANP)"
          % (ZONES_OUT, len(text), len(entries), len(lists), len(names), len(areas), len(others)))


ZONES_HEADER = """// PhoneZones.generated.swift — GENERATED by Sources/OptoutPhone/generate_metadata.py; do not edit.
// Regenerate: python3 Sources/OptoutPhone/generate_metadata.py --zones-only
//
// Source: the `phonenumbers` PyPI package, version {version}, which ships Google's libphonenumber
// data (https://github.com/google/libphonenumber): resources/timezones/map_data.txt (prefix → IANA
// time zones, `phonenumbers.tzdata`) and resources/geocoding/en/1.txt (NANP prefixes → English
// place names, `phonenumbers.geodata`).
// Licence of that data: Apache License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0);
// Copyright (C) 2011-{year} The Libphonenumber Authors. This file is a derived, re-encoded form of it.
//
// Input: none. Output: `PhoneZoneData`, read by PhoneZones.swift: {prefixes} prefixes (longest
// {longest} digits) → {lists} distinct zone lists over {names} IANA zones; {areas} US/Canadian area codes →
// two-letter state/province codes. An area code's codes are the geocoder's name for the area code
// itself ("1NPA"), mapped by the generator's name table; without such an entry, the names of its
// longer prefixes. Area codes spanning several: {multi}. {others} area codes named for other NANP
// regions (Bahamas, Jamaica, ...) are left out. Failures: none at run time.

"""


NAMES_OUT = os.path.join(ROOT, "Sources", "OptoutPhone", "PhoneRegionNames.generated.swift")
# Regions libphonenumber knows but names with an empty string in English.
MISSING_NAMES = {"AC": "Ascension Island", "TA": "Tristan da Cunha", "XK": "Kosovo"}


def write_names():
    """English names of every region with metadata (libphonenumber's geocoder locale data)."""
    from phonenumbers.geocoder import _region_display_name
    rows = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        name = _region_display_name(region, "en") or MISSING_NAMES.get(region)
        if not name:
            sys.exit("generate_metadata.py: no English name for %s: add it to MISSING_NAMES" % region)
        rows.append('        ("%s", "%s"),' % (region, name.replace('"', '\\"')))
    text = """// Generated by generate_metadata.py --names-only from phonenumbers %s (libphonenumber's geocoder
// locale data, Apache-2.0); do not edit. English name of every region libphonenumber has metadata
// for, for the country column of contact lists (CountryColumn, which adds common other names).

package enum PhoneRegionNames {
    package static let english: [(iso: String, name: String)] = [
%s
    ]
}
""" % (phonenumbers.__version__, "\n".join(rows))
    with open(NAMES_OUT, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    args = sys.argv[1:]
    try:
        if "--names-only" in args:
            write_names()
            sys.exit(0)
        if "--zones-only" in args:
            write_zones()
            sys.exit(0)
        if "--fixture-only" not in args:
            write_table()
            write_zones()
            write_names()
        if "--table-only" not in args:
            write_fixture()
    except Unsupported as e:
        sys.exit("generate_metadata.py: unsupported pattern syntax: %s" % e)
