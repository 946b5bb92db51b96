import Scenarios

/// Eigenvalues of a real (non-symmetric) matrix: balancing (a diagonal similarity by powers of 2 that equalises
/// row and column norms, Parlett & Reinsch 1969, so that the QR deflation criteria are relative to the matrix's
/// actual scale), reduction to upper Hessenberg form by stabilised elimination, then the Francis double-shift QR
/// iteration (Wilkinson & Reinsch; Golub & Van Loan §7.5) with an exceptional shift every 10 iterations without
/// deflation (a stagnating iteration, e.g. on the many repeated eigenvalues of a permutation-symmetric committee,
/// is kicked out of its cycle) and up to 30·max(n, 10) iterations per eigenvalue.
public enum RealEigenvalues {
    /// The eigenvalues (re, im) of the row-major n×n matrix `a`, in no particular order. Throws if `a` has a
    /// non-finite entry or the iteration does not converge.
    public static func compute(_ a: [Double], dimension n: Int) throws -> [(re: Double, im: Double)] {
        precondition(a.count == n * n, "matrix has \(a.count) entries, expected \(n * n)")
        guard n > 0 else { return [] }
        guard a.allSatisfy(\.isFinite) else { throw ScenarioError("eigenvalues of a matrix with non-finite entries") }
        var h = a
        balance(&h, n)
        reduceToHessenberg(&h, n)
        return try hessenbergQR(&h, n)
    }

    /// Replaces `a` by D⁻¹AD, D diagonal with powers of 2 (exact in floating point), until every row and column
    /// of the off-diagonal part have comparable 1-norms (within a factor 0.95 of improvement).
    static func balance(_ a: inout [Double], _ n: Int) {
        let radix = 2.0, square = radix * radix
        var done = false
        while !done {
            done = true
            for i in 0..<n {
                var r = 0.0, c = 0.0
                for j in 0..<n where j != i {
                    c += abs(a[j * n + i])
                    r += abs(a[i * n + j])
                }
                guard c != 0, r != 0 else { continue }
                var g = r / radix, f = 1.0
                let s = c + r
                while c < g { f *= radix; c *= square }
                g = r * radix
                while c > g { f /= radix; c /= square }
                if (c + r) / f < 0.95 * s {
                    done = false
                    g = 1 / f
                    for j in 0..<n { a[i * n + j] *= g }
                    for j in 0..<n { a[j * n + i] *= f }
                }
            }
        }
    }

    static func reduceToHessenberg(_ a: inout [Double], _ n: Int) {
        guard n > 2 else { return }
        for m in 1..<(n - 1) {
            var x = 0.0, pivot = m
            for j in m..<n where abs(a[j * n + m - 1]) > abs(x) { x = a[j * n + m - 1]; pivot = j }
            if pivot != m {
                for j in (m - 1)..<n { a.swapAt(pivot * n + j, m * n + j) }
                for i in 0..<n { a.swapAt(i * n + pivot, i * n + m) }
            }
            guard x != 0 else { continue }
            for i in (m + 1)..<n {
                var y = a[i * n + m - 1]
                guard y != 0 else { continue }
                y /= x
                a[i * n + m - 1] = y
                for j in m..<n { a[i * n + j] -= y * a[m * n + j] }
                for j in 0..<n { a[j * n + m] += y * a[j * n + i] }
            }
        }
        for i in 2..<n { for j in 0..<(i - 1) { a[i * n + j] = 0 } }
    }

    static func hessenbergQR(_ a: inout [Double], _ n: Int) throws -> [(re: Double, im: Double)] {
        func at(_ i: Int, _ j: Int) -> Double { a[i * n + j] }
        var result = [(re: Double, im: Double)](repeating: (0, 0), count: n)
        var anorm = 0.0
        for i in 0..<n { for j in max(i - 1, 0)..<n { anorm += abs(at(i, j)) } }
        var nn = n - 1, t = 0.0
        var p = 0.0, q = 0.0, r = 0.0, s = 0.0, w = 0.0, x = 0.0, y = 0.0, z = 0.0
        while nn >= 0 {
            var its = 0, l = 0
            repeat {
                l = nn
                while l >= 1 {
                    s = abs(at(l - 1, l - 1)) + abs(at(l, l))
                    if s == 0 { s = anorm }
                    if abs(at(l, l - 1)) + s == s { a[l * n + l - 1] = 0; break }
                    l -= 1
                }
                x = at(nn, nn)
                if l == nn {
                    result[nn] = (x + t, 0); nn -= 1
                } else {
                    y = at(nn - 1, nn - 1)
                    w = at(nn, nn - 1) * at(nn - 1, nn)
                    if l == nn - 1 {
                        p = 0.5 * (y - x)
                        q = p * p + w
                        z = abs(q).squareRoot()
                        x += t
                        if q >= 0 {
                            z = p + (p >= 0 ? abs(z) : -abs(z))
                            result[nn - 1] = (x + z, 0)
                            result[nn] = (z != 0 ? x - w / z : x + z, 0)
                        } else {
                            result[nn - 1] = (x + p, z)
                            result[nn] = (x + p, -z)
                        }
                        nn -= 2
                    } else {
                        guard its < 30 * max(n, 10) else { throw ScenarioError("eigenvalue iteration did not converge") }
                        if its > 0 && its % 10 == 0 {
                            // Exceptional shift.
                            t += x
                            for i in 0...nn { a[i * n + i] -= x }
                            s = abs(at(nn, nn - 1)) + abs(at(nn - 1, nn - 2))
                            x = 0.75 * s; y = x; w = -0.4375 * s * s
                        }
                        its += 1
                        var m = nn - 2
                        while m >= l {
                            z = at(m, m)
                            r = x - z
                            s = y - z
                            p = (r * s - w) / at(m + 1, m) + at(m, m + 1)
                            q = at(m + 1, m + 1) - z - r - s
                            r = at(m + 2, m + 1)
                            s = abs(p) + abs(q) + abs(r)
                            p /= s; q /= s; r /= s
                            if m == l { break }
                            let u = abs(at(m, m - 1)) * (abs(q) + abs(r))
                            let v = abs(p) * (abs(at(m - 1, m - 1)) + abs(z) + abs(at(m + 1, m + 1)))
                            if u + v == v { break }
                            m -= 1
                        }
                        for i in (m + 2)...nn {
                            a[i * n + i - 2] = 0
                            if i != m + 2 { a[i * n + i - 3] = 0 }
                        }
                        var k = m
                        while k <= nn - 1 {
                            if k != m {
                                p = at(k, k - 1); q = at(k + 1, k - 1); r = k != nn - 1 ? at(k + 2, k - 1) : 0
                                x = abs(p) + abs(q) + abs(r)
                                if x != 0 { p /= x; q /= x; r /= x }
                            }
                            s = (p * p + q * q + r * r).squareRoot()
                            if p < 0 { s = -s }
                            if s != 0 {
                                if k == m {
                                    if l != m { a[k * n + k - 1] = -at(k, k - 1) }
                                } else {
                                    a[k * n + k - 1] = -s * x
                                }
                                p += s; x = p / s; y = q / s; z = r / s; q /= p; r /= p
                                for j in k...nn {
                                    p = at(k, j) + q * at(k + 1, j)
                                    if k != nn - 1 { p += r * at(k + 2, j); a[(k + 2) * n + j] -= p * z }
                                    a[(k + 1) * n + j] -= p * y
                                    a[k * n + j] -= p * x
                                }
                                let mmin = nn < k + 3 ? nn : k + 3
                                for i in l...mmin {
                                    p = x * at(i, k) + y * at(i, k + 1)
                                    if k != nn - 1 { p += z * at(i, k + 2); a[i * n + k + 2] -= p * r }
                                    a[i * n + k + 1] -= p * q
                                    a[i * n + k] -= p
                                }
                            }
                            k += 1
                        }
                    }
                }
            } while l < nn - 1
        }
        return result
    }
}
