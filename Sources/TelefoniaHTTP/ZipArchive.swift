import Foundation
import TelefoniaCore

/// A ZIP file of stored (uncompressed) entries, enough for a browser to save many
/// recordings at once: WAV hardly compresses, so storing costs nothing and needs no
/// zlib. Names are plain ASCII file names; at most 65,535 entries and 4 GiB in all
/// (callers cap far below: `PanelServer.zipLimits`).
struct ZipArchive {
    private(set) var bytes: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0

    mutating func add(name: String, data: Data, modified: Date = Date()) {
        let nameBytes = Array(name.utf8)
        let crc = CRC32.checksum(data)
        let (time, date) = Self.dosTime(modified)
        let offset = UInt32(bytes.count)
        // Local file header.
        append32(&bytes, 0x0403_4B50)
        append16(&bytes, 20)                     // version needed
        append16(&bytes, 0)                      // flags
        append16(&bytes, 0)                      // method: stored
        append16(&bytes, time)
        append16(&bytes, date)
        append32(&bytes, crc)
        append32(&bytes, UInt32(data.count))     // compressed size
        append32(&bytes, UInt32(data.count))     // size
        append16(&bytes, UInt16(nameBytes.count))
        append16(&bytes, 0)                      // extra length
        bytes += nameBytes
        bytes += data
        // Its central directory entry.
        append32(&central, 0x0201_4B50)
        append16(&central, 20)                   // version made by
        append16(&central, 20)
        append16(&central, 0)
        append16(&central, 0)
        append16(&central, time)
        append16(&central, date)
        append32(&central, crc)
        append32(&central, UInt32(data.count))
        append32(&central, UInt32(data.count))
        append16(&central, UInt16(nameBytes.count))
        append16(&central, 0)                    // extra
        append16(&central, 0)                    // comment
        append16(&central, 0)                    // disk
        append16(&central, 0)                    // internal attributes
        append32(&central, 0)                    // external attributes
        append32(&central, offset)
        central += nameBytes
        count += 1
    }

    /// The whole archive: entries, central directory, end record.
    func finished() -> [UInt8] {
        var out = bytes
        let start = UInt32(out.count)
        out += central
        append32(&out, 0x0605_4B50)
        append16(&out, 0)
        append16(&out, 0)
        append16(&out, UInt16(count))
        append16(&out, UInt16(count))
        append32(&out, UInt32(central.count))
        append32(&out, start)
        append16(&out, 0)                        // comment length
        return out
    }

    private func append16(_ out: inout [UInt8], _ value: UInt16) {
        out.append(UInt8(value & 0xFF))
        out.append(UInt8(value >> 8))
    }

    private func append32(_ out: inout [UInt8], _ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    /// MS-DOS time and date (UTC; the format has no zone).
    static func dosTime(_ date: Date) -> (UInt16, UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = max(1980, min(2107, parts.year ?? 1980))
        let time = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
        let day = UInt16((year - 1980) << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
        return (time, day)
    }
}
