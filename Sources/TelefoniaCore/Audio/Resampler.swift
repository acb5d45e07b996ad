import Foundation

/// Sample-rate conversion for imported audio (any rate to the 8 kHz of G.711):
/// band-limited interpolation with a Kaiser-windowed sinc (J. O. Smith's "digital
/// audio resampling" method), evaluated from a table with linear interpolation.
///
/// The low-pass cutoff is 92 % of the lower rate's Nyquist frequency (3680 Hz when
/// the output is 8 kHz): flat up to the 3.4 kHz telephone band, and at least
/// 60 dB down from 4 kHz on, so music on hold does not fold high notes back into the
/// voice band. (libmpg123's own `MPG123_FORCE_RATE` conversion has no such filter:
/// a 4.1 kHz tone comes out as a 3.9 kHz tone only 6 dB down.)
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int

    /// Kernel zero crossings on each side, counted at the lower rate.
    static let zeroCrossings = 28
    /// Table entries per zero crossing.
    static let resolution = 256
    /// Cutoff as a share of the lower rate's Nyquist frequency.
    static let cutoff = 0.92
    /// Kaiser window shape: about 70 dB of stopband.
    static let beta = 7.0
    /// Kernel values at u = i / resolution zero crossings, for u from 0 to `zeroCrossings`.
    static let table: [Float] = {
        let count = zeroCrossings * resolution + 1
        let i0Beta = besselI0(beta)
        return (0..<count).map { index in
            let u = Double(index) / Double(resolution)
            let sinc = u == 0 ? 1 : sin(Double.pi * u) / (Double.pi * u)
            let x = u / Double(zeroCrossings)
            let window = besselI0(beta * (max(0, 1 - x * x)).squareRoot()) / i0Beta
            return Float(sinc * window)
        }
    }()

    public init(from inputRate: Int, to outputRate: Int) {
        precondition(inputRate > 0 && outputRate > 0, "sample rates must be positive")
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    /// Converts a whole signal (samples beyond its ends count as silence). The output
    /// has `count · outputRate / inputRate` samples, rounded.
    public func resample(_ input: [Float]) -> [Float] {
        guard inputRate != outputRate else { return input }
        guard !input.isEmpty else { return [] }
        let ratio = Double(inputRate) / Double(outputRate)
        let scale = min(1, 1 / ratio) * Self.cutoff
        let halfWidth = Double(Self.zeroCrossings) / scale
        let outputCount = Int((Double(input.count) / ratio).rounded())
        let step = scale * Double(Self.resolution)
        let table = Self.table
        let last = table.count - 1
        var output = [Float](repeating: 0, count: outputCount)
        input.withUnsafeBufferPointer { x in
            table.withUnsafeBufferPointer { h in
                for j in 0..<outputCount {
                    let t = Double(j) * ratio
                    let first = max(0, Int((t - halfWidth).rounded(.up)))
                    let end = min(x.count - 1, Int((t + halfWidth).rounded(.down)))
                    guard first <= end else { continue }
                    var sum: Float = 0
                    for k in first...end {
                        let position = abs(t - Double(k)) * step
                        let index = Int(position)
                        guard index < last else { continue }
                        let fraction = Float(position - Double(index))
                        sum += x[k] * (h[index] + (h[index + 1] - h[index]) * fraction)
                    }
                    output[j] = sum * Float(scale)
                }
            }
        }
        return output
    }

    /// Converts 16-bit PCM, rounding and clipping the result.
    public func resample(_ input: [Int16]) -> [Int16] {
        guard inputRate != outputRate else { return input }
        return resample(input.map { Float($0) }).map(Self.pcm)
    }

    /// A float sample in 16-bit units, rounded and clipped.
    public static func pcm(_ value: Float) -> Int16 {
        Int16(max(-32768, min(32767, value.rounded())))
    }

    /// The modified Bessel function of the first kind, order 0 (for the Kaiser window).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let half = x / 2
        while term > sum * 1e-12 {
            term *= (half / k) * (half / k)
            sum += term
            k += 1
        }
        return sum
    }
}
