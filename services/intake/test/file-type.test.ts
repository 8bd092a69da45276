import { crc32, deflateRawSync } from "node:zlib";
import { MEDIA_TYPES, SNIFF_BYTES, sniffFileType } from "../src/domain/file-type";

interface ZipEntry {
  name: string;
  data: string | Uint8Array;
  /** Compress with deflate (method 8) instead of storing (method 0). */
  deflate?: boolean;
  /** Set flag bit 3 and leave CRC and sizes in the local header zero, as streaming writers do. */
  dataDescriptor?: boolean;
}

/** A complete ZIP archive: local headers and data, central directory, end record. */
function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const raw = typeof e.data === "string" ? Buffer.from(e.data, "utf8") : Buffer.from(e.data);
    const body = e.deflate ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const flags = (e.dataDescriptor ? 0x0008 : 0) | 0x0800; // bit 11: UTF-8 names
    const method = e.deflate ? 8 : 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(e.dataDescriptor ? 0 : crc, 14);
    local.writeUInt32LE(e.dataDescriptor ? 0 : body.length, 18);
    local.writeUInt32LE(e.dataDescriptor ? 0 : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const parts = [local, name, body];
    if (e.dataDescriptor) {
      const dd = Buffer.alloc(16);
      dd.writeUInt32LE(0x08074b50, 0);
      dd.writeUInt32LE(crc, 4);
      dd.writeUInt32LE(body.length, 8);
      dd.writeUInt32LE(raw.length, 12);
      parts.push(dd);
    }
    const localBytes = Buffer.concat(parts);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([central, name]));

    locals.push(localBytes);
    offset += localBytes.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const OFD_XML =
  '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">' +
  "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0C1D4F7159954EEEDE517F7285E84DC4</ofd:DocID></ofd:DocInfo>" +
  "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>";
const DOCUMENT_XML =
  '<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016">' +
  "<ofd:CommonData><ofd:MaxUnitID>10</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>" +
  '</ofd:PageArea></ofd:CommonData><ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>';

/** The first `SNIFF_BYTES` of a file, as the caller passes them. */
const head = (file: Uint8Array) => file.subarray(0, SNIFF_BYTES);
const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => new TextEncoder().encode(s);

describe("sniffFileType", () => {
  it("knows the media type of every file type and reads 4096 bytes", () => {
    expect(MEDIA_TYPES).toEqual({ pdf: "application/pdf", jpeg: "image/jpeg", png: "image/png", ofd: "application/ofd" });
    expect(SNIFF_BYTES).toBe(4096);
  });

  describe("PDF", () => {
    it("recognises a PDF header", () => {
      const pdf = ascii("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
      expect(sniffFileType(pdf)).toBe("pdf");
      expect(sniffFileType(ascii("%PDF-"))).toBe("pdf");
    });

    it.each(["%PDF", "%PD", "%", " %PDF-1.4", "%pdf-1.4", "PDF-1.4"])("rejects %j", (text) => {
      expect(sniffFileType(ascii(text))).toBeUndefined();
    });
  });

  describe("JPEG", () => {
    it("recognises JFIF and Exif JPEGs", () => {
      expect(sniffFileType(bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00))).toBe("jpeg");
      expect(sniffFileType(bytes(0xff, 0xd8, 0xff, 0xe1, 0x00, 0x18, 0x45, 0x78, 0x69, 0x66))).toBe("jpeg");
      expect(sniffFileType(bytes(0xff, 0xd8, 0xff))).toBe("jpeg");
    });

    it("rejects a truncated or wrong signature", () => {
      expect(sniffFileType(bytes(0xff, 0xd8))).toBeUndefined();
      expect(sniffFileType(bytes(0xff))).toBeUndefined();
      expect(sniffFileType(bytes(0xff, 0xd9, 0xff, 0xe0))).toBeUndefined();
    });
  });

  describe("PNG", () => {
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

    it("recognises the PNG signature", () => {
      const ihdr = [0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
      expect(sniffFileType(bytes(...signature, ...ihdr))).toBe("png");
      expect(sniffFileType(bytes(...signature))).toBe("png");
    });

    it("rejects a truncated signature and one mangled by a text-mode transfer", () => {
      expect(sniffFileType(bytes(...signature.slice(0, 7)))).toBeUndefined();
      expect(sniffFileType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0a, 0x1a, 0x0a))).toBeUndefined();
    });
  });

  describe("OFD", () => {
    const ofdEntries: ZipEntry[] = [
      { name: "OFD.xml", data: OFD_XML },
      { name: "Doc_0/Document.xml", data: DOCUMENT_XML, deflate: true },
      { name: "Doc_0/Pages/Page_0/Content.xml", data: "<ofd:Page/>".repeat(50), deflate: true },
    ];

    it("recognises a container whose first entry is OFD.xml", () => {
      const file = zip(ofdEntries);
      expect(sniffFileType(head(file))).toBe("ofd");
    });

    it("walks past stored and deflated entries to a later OFD.xml", () => {
      const file = zip([ofdEntries[1]!, ofdEntries[2]!, { name: "Doc_0/Res/logo.bin", data: new Uint8Array(300).fill(7) }, ofdEntries[0]!]);
      expect(sniffFileType(head(file))).toBe("ofd");
    });

    it("recognises OFD.xml written with a data descriptor when it is the first entry", () => {
      const file = zip([{ ...ofdEntries[0]!, deflate: true, dataDescriptor: true }, ofdEntries[1]!]);
      expect(sniffFileType(head(file))).toBe("ofd");
    });

    it("cannot walk past an entry whose size is only in a data descriptor", () => {
      const file = zip([{ ...ofdEntries[1]!, dataDescriptor: true }, ofdEntries[0]!]);
      expect(sniffFileType(head(file))).toBeUndefined();
    });

    it("does not see an OFD.xml that starts beyond the head", () => {
      const file = zip([{ name: "Doc_0/Res/image.png", data: new Uint8Array(SNIFF_BYTES).fill(1) }, ofdEntries[0]!]);
      expect(sniffFileType(head(file))).toBeUndefined();
      expect(sniffFileType(file)).toBe("ofd");
    });

    it("does not accept an entry name cut off by the end of the head", () => {
      const file = zip(ofdEntries);
      expect(sniffFileType(file.subarray(0, 30 + "OFD.xm".length))).toBeUndefined();
      expect(sniffFileType(file.subarray(0, 30 + "OFD.xml".length))).toBe("ofd");
    });

    it.each(["ofd.xml", "OFD.XML", "Doc_0/OFD.xml", "/OFD.xml", "OFD.xml.bak", "OFD.xm"])("rejects an entry named %j", (name) => {
      expect(sniffFileType(head(zip([{ name, data: OFD_XML }])))).toBeUndefined();
    });

    it("reads a view into a larger buffer from its own start", () => {
      const file = zip(ofdEntries);
      const padded = new Uint8Array(file.length + 7);
      padded.set(file, 7);
      expect(sniffFileType(padded.subarray(7))).toBe("ofd");
      expect(sniffFileType(padded)).toBeUndefined();
    });

    it("stops at a corrupt size instead of reading past the head", () => {
      const file = zip([ofdEntries[1]!, ofdEntries[0]!]);
      file.writeUInt32LE(0xfffffff0, 18);
      expect(sniffFileType(head(file))).toBeUndefined();
    });
  });

  describe("other files", () => {
    it("rejects a plain ZIP", () => {
      expect(
        sniffFileType(
          head(
            zip([
              { name: "readme.txt", data: "hello" },
              { name: "a/b.txt", data: "x", deflate: true },
            ]),
          ),
        ),
      ).toBeUndefined();
    });

    it("rejects a DOCX", () => {
      const docx = zip([
        { name: "[Content_Types].xml", data: '<?xml version="1.0"?><Types/>', deflate: true },
        { name: "_rels/.rels", data: '<?xml version="1.0"?><Relationships/>', deflate: true },
        { name: "word/document.xml", data: '<?xml version="1.0"?><w:document/>', deflate: true },
      ]);
      expect(sniffFileType(head(docx))).toBeUndefined();
    });

    it("rejects an empty ZIP and truncated ZIP headers", () => {
      const empty = Buffer.alloc(22);
      empty.writeUInt32LE(0x06054b50, 0);
      expect(sniffFileType(empty)).toBeUndefined();
      const file = zip([{ name: "OFD.xml", data: OFD_XML }]);
      for (const length of [0, 2, 4, 29, 30, 36]) expect(sniffFileType(file.subarray(0, length))).toBeUndefined();
    });

    it("rejects GIF, text and empty input", () => {
      expect(sniffFileType(ascii("GIF89a\x01\x00\x01\x00"))).toBeUndefined();
      expect(sniffFileType(ascii("起诉状\n原告：张三"))).toBeUndefined();
      expect(sniffFileType(new Uint8Array(0))).toBeUndefined();
      expect(sniffFileType(new Uint8Array(SNIFF_BYTES))).toBeUndefined();
    });
  });
});
