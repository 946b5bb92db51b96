/// exp(A) for a small dense n×n matrix (row-major), by scaling and squaring of the Taylor series.
///
/// A is scaled by 2^−s so that ‖A‖₁/2^s ≤ ½, the series is summed until terms fall below 1e−18 of the
/// partial sum, and the result is squared s times. Accurate to a few ulps × κ for the small, moderately
/// normed generators used here (the exact solution of linear order-parameter ODEs).
func matrixExponential(_ a: [Double], dimension n: Int) -> [Double] {
    precondition(a.count == n * n)
    var norm = 0.0
    for j in 0..<n {
        var column = 0.0
        for i in 0..<n { column += abs(a[i * n + j]) }
        norm = max(norm, column)
    }
    var squarings = 0
    var scale = 1.0
    while norm * scale > 0.5 { scale *= 0.5; squarings += 1 }
    let scaled = a.map { $0 * scale }

    func multiply(_ x: [Double], _ y: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for k in 0..<n { let xik = x[i * n + k]; for j in 0..<n { z[i * n + j] += xik * y[k * n + j] } } }
        return z
    }

    var result = [Double](repeating: 0, count: n * n)
    for i in 0..<n { result[i * n + i] = 1 }
    var term = result
    for k in 1...40 {
        term = multiply(term, scaled).map { $0 / Double(k) }
        for i in 0..<(n * n) { result[i] += term[i] }
        let termNorm = term.reduce(0) { max($0, abs($1)) }
        if termNorm < 1e-18 * max(1, result.reduce(0) { max($0, abs($1)) }) { break }
    }
    for _ in 0..<squarings { result = multiply(result, result) }
    return result
}
