import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// One relayed packet as the receive thread saw it.
struct KernelTimedArrival {
    var ssrc: UInt32
    var sourcePort: Int
    /// Kernel receive time (SO_TIMESTAMPNS, CLOCK_REALTIME) − the send time in the
    /// packet (CLOCK_REALTIME taken just before sendto), ns.
    var transitNanos: Int64
}

/// A blocking UDP socket for the relay benchmark's RTP: the bench's event loop
/// sends on it (sendto, stamped with CLOCK_REALTIME just before the call) and a
/// dedicated thread receives with blocking recvmsg and SO_TIMESTAMPNS, so the
/// figure is the kernel's arrival time, free of the bench's own event-loop queueing.
final class KernelTimedSocket: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let lock = NSLock()
    private var arrivals: [KernelTimedArrival] = []
    private var untimed = 0
    private var stopped = false
    private var sendBuffer = [UInt8](repeating: 0, count: 12 + MediaStream.payloadBytes)

    /// Realtime clock, ns.
    static func realtimeNanos() -> Int64 {
        #if canImport(Glibc)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        #else
        return Int64(Date().timeIntervalSince1970 * 1e9)
        #endif
    }

    /// Binds `host`:0 (IPv4) and starts the receive thread; nil where this is not Linux.
    static func open(host: String) -> KernelTimedSocket? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var on: Int32 = 1
        // SO_TIMESTAMPNS (SO_TIMESTAMPNS_OLD, 35 on Linux): a struct timespec per datagram.
        guard setsockopt(fd, SOL_SOCKET, 35, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else { close(fd); return nil }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { close(fd); return nil }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else { close(fd); return nil }
        let socket = KernelTimedSocket(fd: fd, port: Int(UInt16(bigEndian: address.sin_port)))
        let thread = Thread { socket.receiveLoop() }
        thread.name = "rtp-rx-\(socket.port)"
        thread.qualityOfService = .userInteractive
        thread.start()
        return socket
        #else
        return nil
        #endif
    }

    private init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    /// Sends one RTP packet; bytes 12..<20 of the payload get the CLOCK_REALTIME
    /// send time (ns, big-endian), taken just before sendto. False if it failed.
    func send(header: (marker: Bool, sequence: UInt16, timestamp: UInt32, ssrc: UInt32), to destination: SocketAddress) -> Bool {
        #if canImport(Glibc)
        return sendBuffer.withUnsafeMutableBytes { bytes -> Bool in
            bytes[0] = 0x80
            bytes[1] = header.marker ? 0x80 : 0x00
            bytes.storeBytes(of: header.sequence.bigEndian, toByteOffset: 2, as: UInt16.self)
            bytes.storeBytes(of: header.timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
            bytes.storeBytes(of: header.ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
            for index in 20..<bytes.count { bytes[index] = 0xFF }  // µ-law silence
            return destination.withSockAddr { address, length in
                let now = UInt64(Self.realtimeNanos())
                bytes.storeBytes(of: now.bigEndian, toByteOffset: 12, as: UInt64.self)
                return sendto(fd, bytes.baseAddress, bytes.count, 0, address, socklen_t(length)) == bytes.count
            }
        }
        #else
        return false
        #endif
    }

    /// The arrivals since the last call (transitNanos `.min`: no kernel timestamp), and how many had none.
    func drain() -> (arrivals: [KernelTimedArrival], untimed: Int) {
        lock.lock()
        defer { lock.unlock() }
        let result = (arrivals, untimed)
        arrivals = []
        untimed = 0
        return result
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private func receiveLoop() {
        #if canImport(Glibc)
        var data = [UInt8](repeating: 0, count: 2048)
        var control = [UInt8](repeating: 0, count: 256)
        var source = sockaddr_in()
        while true {
            let (count, controlLength): (Int, Int) = data.withUnsafeMutableBytes { dataBytes in
                control.withUnsafeMutableBytes { controlBytes in
                    withUnsafeMutablePointer(to: &source) { sourcePointer in
                        var vector = iovec(iov_base: dataBytes.baseAddress, iov_len: dataBytes.count)
                        return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                            var message = msghdr()
                            message.msg_name = UnsafeMutableRawPointer(sourcePointer)
                            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                            message.msg_iov = vectorPointer
                            message.msg_iovlen = 1
                            message.msg_control = controlBytes.baseAddress
                            message.msg_controllen = controlBytes.count
                            let count = recvmsg(fd, &message, 0)
                            return (count, Int(message.msg_controllen))
                        }
                    }
                }
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    lock.lock()
                    let done = stopped
                    lock.unlock()
                    if done { break } else { continue }
                }
                break
            }
            guard count >= 20 else { continue }
            // cmsghdr on 64-bit Linux: size_t len, int level, int type, then data at 16.
            var kernelNanos: Int64?
            var offset = 0
            control.withUnsafeBytes { bytes in
                while offset + 16 <= controlLength {
                    let length = bytes.loadUnaligned(fromByteOffset: offset, as: Int.self)
                    let level = bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int32.self)
                    let type = bytes.loadUnaligned(fromByteOffset: offset + 12, as: Int32.self)
                    guard length >= 16 else { break }
                    if level == SOL_SOCKET, type == 35, offset + 32 <= controlLength {
                        let seconds = bytes.loadUnaligned(fromByteOffset: offset + 16, as: Int64.self)
                        let nanos = bytes.loadUnaligned(fromByteOffset: offset + 24, as: Int64.self)
                        kernelNanos = seconds * 1_000_000_000 + nanos
                    }
                    offset += (length + 7) & ~7
                }
            }
            let ssrc = UInt32(data[8]) << 24 | UInt32(data[9]) << 16 | UInt32(data[10]) << 8 | UInt32(data[11])
            var sent: UInt64 = 0
            for index in 12..<20 { sent = sent << 8 | UInt64(data[index]) }
            let sourcePort = Int(UInt16(bigEndian: source.sin_port))
            lock.lock()
            if let kernelNanos {
                arrivals.append(KernelTimedArrival(ssrc: ssrc, sourcePort: sourcePort, transitNanos: kernelNanos - Int64(bitPattern: sent)))
            } else {
                arrivals.append(KernelTimedArrival(ssrc: ssrc, sourcePort: sourcePort, transitNanos: .min))
                untimed += 1
            }
            lock.unlock()
        }
        close(fd)
        #endif
    }
}
