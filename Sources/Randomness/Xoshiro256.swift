/// The SplitMix64 generator (Steele, Lea & Flood 2014), used to expand a 64-bit seed into a full state.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// A generator whose state starts at `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64-bit output: the state advances by the golden-ratio increment 0x9E3779B97F4A7C15 and is then
    /// mixed by two xor-shift-multiply rounds and a final xor-shift.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): a fast, seedable 64-bit generator with a 2²⁵⁶ − 1 period.
///
/// `Xoshiro256(seed:stream:)` gives independent streams for, e.g., the seeds of a simulation, so that
/// every run's numbers depend only on `(seed, stream)` and never on which thread draws them.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose state is SplitMix64-expanded from `seed` and `stream`.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = SplitMix64(seed: seed)
        // Decorrelate streams: hash the stream index into the seed before expanding.
        var streamMixer = SplitMix64(seed: stream &+ 0x632B_E59B_D9B4_E019)
        mixer = SplitMix64(seed: mixer.next() ^ streamMixer.next())
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// The next 64-bit output, rotl(s₁ · 5, 7) · 9 (the ** scrambler), after which the state takes one step.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = Xoshiro256.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Xoshiro256.rotl(s3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
