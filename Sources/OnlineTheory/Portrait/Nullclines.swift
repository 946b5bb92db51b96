/// The nullclines of a planar flow, f = 0 (where dx/dt vanishes) and g = 0, as polylines, and its direction field.
extension PlanarFlow {
    /// The curves f = 0 (`x`) and g = 0 (`y`) in `window`: marching squares on an n × n grid (a zero crossing on a cell's
    /// edge interpolated linearly, so a linear flow's nullclines are exact), skipping cells with an unphysical or
    /// non-finite corner, the pieces joined into polylines. A cell whose four corners alternate in sign is resolved by
    /// the value at its centre.
    public func nullclines(in window: PlanarWindow, grid n: Int = 81) -> (x: [[PlanarPoint]], y: [[PlanarPoint]]) {
        let points = window.grid(n)
        let physical = points.map(isPhysical)
        let values = points.enumerated().map { index, p -> PlanarPoint in
            physical[index] ? velocity(at: p) : PlanarPoint(x: .nan, y: .nan)
        }
        return (Self.contour(values.map(\.x), physical: physical, window: window, n: n) { self.velocity(at: $0).x },
                Self.contour(values.map(\.y), physical: physical, window: window, n: n) { self.velocity(at: $0).y })
    }

    /// The zero set of the grid values `v` (n × n, i fastest) as polylines.
    static func contour(_ v: [Double], physical: [Bool], window: PlanarWindow, n: Int,
                        centre: (PlanarPoint) -> Double) -> [[PlanarPoint]] {
        // Edges are named by an integer: 2(j n + i) for the edge from (i, j) to (i + 1, j), + 1 for the one to (i, j + 1).
        // Each crossing is computed once per edge, so the cells on both sides of an edge share its point exactly.
        func crossing(_ edge: Int) -> PlanarPoint {
            let base = edge / 2, i = base % n, j = base / n
            let (i1, j1) = edge % 2 == 0 ? (i + 1, j) : (i, j + 1)
            let a = v[j * n + i], b = v[j1 * n + i1]
            let s = a == b ? 0.5 : a / (a - b)
            let p = window.point(i, j, n), q = window.point(i1, j1, n)
            return PlanarPoint(x: p.x + s * (q.x - p.x), y: p.y + s * (q.y - p.y))
        }
        var neighbours: [Int: [Int]] = [:]
        for j in 0..<(n - 1) {
            for i in 0..<(n - 1) {
                let corners = [j * n + i, j * n + i + 1, (j + 1) * n + i + 1, (j + 1) * n + i]
                guard corners.allSatisfy({ physical[$0] && v[$0].isFinite }) else { continue }
                // Edges in order around the cell: bottom, right, top, left.
                let edges = [2 * (j * n + i), 2 * (j * n + i + 1) + 1, 2 * ((j + 1) * n + i), 2 * (j * n + i) + 1]
                let positive = corners.map { v[$0] > 0 }
                let cut = (0..<4).filter { positive[$0] != positive[($0 + 1) % 4] }.map { edges[$0] }
                var pairs: [(Int, Int)] = []
                if cut.count == 2 {
                    pairs = [(cut[0], cut[1])]
                } else if cut.count == 4 {
                    let mid = PlanarPoint(x: window.point(i, j, n).x + window.width / Double(2 * (n - 1)),
                                          y: window.point(i, j, n).y + window.height / Double(2 * (n - 1)))
                    // The centre's sign joins the corners that share it: cut edges are bottom, right, top, left.
                    pairs = (centre(mid) > 0) == positive[0] ? [(cut[0], cut[1]), (cut[2], cut[3])] : [(cut[3], cut[0]), (cut[1], cut[2])]
                }
                for (a, b) in pairs {
                    neighbours[a, default: []].append(b)
                    neighbours[b, default: []].append(a)
                }
            }
        }
        // Walk the graph (every node has degree 1 or 2): first from the ends of open curves, then around closed ones.
        var visited = Set<Int>(), lines: [[PlanarPoint]] = []
        func walk(from start: Int) {
            var path = [start], previous = -1, current = start
            visited.insert(start)
            while let next = neighbours[current]?.first(where: { $0 != previous && !visited.contains($0) }) {
                path.append(next); visited.insert(next); previous = current; current = next
            }
            // Close a loop.
            if path.count > 2, neighbours[current]?.contains(start) == true { path.append(start) }
            if path.count > 1 { lines.append(path.map(crossing)) }
        }
        for node in neighbours.keys.sorted() where neighbours[node]?.count == 1 && !visited.contains(node) { walk(from: node) }
        for node in neighbours.keys.sorted() where !visited.contains(node) { walk(from: node) }
        return lines
    }

    /// The flow's direction on an n × n grid of physical points of `window`: at each point, the velocity (f, g) and
    /// its speed measured in window units, √((f/W)² + (g/H)²) (W, H the window's sides).
    public func directionField(in window: PlanarWindow, grid n: Int = 17) -> [(point: PlanarPoint, velocity: PlanarPoint, speed: Double)] {
        window.grid(n).filter(isPhysical).compactMap { p in
            let v = velocity(at: p)
            let speed = ((v.x / window.width) * (v.x / window.width) + (v.y / window.height) * (v.y / window.height)).squareRoot()
            return speed.isFinite ? (p, v, speed) : nil
        }
    }
}
