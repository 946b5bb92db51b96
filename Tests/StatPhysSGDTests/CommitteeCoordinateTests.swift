import StatPhysSGD
import Testing

@Suite struct CommitteeCoordinateTests {
    @Test func coordinatesParseAndMeasureTheOverlaps() throws {
        // K = 3, M = 2: Q row-major 3 × 3, R 3 × 2.
        let q = [1.0, 0.2, 0.3, 0.2, 2.0, 0.4, 0.3, 0.4, 3.0], r = [0.9, 0.1, 0.2, 0.8, 0.5, 0.6]
        func value(_ name: String) throws -> Double {
            try CommitteeCoordinate(parsing: name, studentUnits: 3, teacherUnits: 2).value(q: q, r: r, studentUnits: 3, teacherUnits: 2)
        }
        #expect(try value("R_diag") == (0.9 + 0.8) / 2)
        #expect(abs(try value("r_off") - (0.1 + 0.2 + 0.5 + 0.6) / 4) < 1e-15)
        #expect(try value("Q_diag") == 2)
        #expect(abs(try value("Q_off") - 0.3) < 1e-15)
        #expect(try value("R32") == 0.6 && value("Q23") == 0.4 && value("R_3_1") == 0.5)
        #expect(try CommitteeCoordinate(parsing: "Q_1_10", studentUnits: 10, teacherUnits: 1).description == "Q_1_10")
        #expect(try CommitteeCoordinate(parsing: "r12", studentUnits: 3, teacherUnits: 2).description == "R12")
        for bad in ["R13", "Q40", "R1", "X11", "R_1", "R_0_1", ""] {
            #expect(throws: ScenarioError.self) { _ = try CommitteeCoordinate(parsing: bad, studentUnits: 3, teacherUnits: 2) }
        }
        #expect(throws: ScenarioError.self) { _ = try CommitteeCoordinate(parsing: "R11", studentUnits: 0, teacherUnits: 2) }
    }
}
