/// R4: the satisfaction survey of one IVR menu — how many answered, how many gave each
/// score from 1 to 5, and the average.
public struct SurveySummary: Sendable, Equatable {
    public var menu: String
    public var answers: Int
    /// `counts[0]` is how many gave 1, … `counts[4]` how many gave 5.
    public var counts: [Int]
    public var average: Double

    /// One summary per menu that asked the survey (menus in dialling order), from the
    /// visits' scores; `menu` keeps only that menu's.
    public static func of(_ visits: [IVRVisit], menu: String? = nil) -> [SurveySummary] {
        var scores: [String: [Int]] = [:]
        for visit in visits {
            guard let score = visit.surveyScore, let asked = visit.surveyMenu, menu.map({ $0 == asked }) != false else { continue }
            scores[asked, default: []].append(score)
        }
        return scores.keys.sorted { ($0.count, $0) < ($1.count, $1) }.map { number in
            let given = scores[number]!
            return SurveySummary(menu: number, answers: given.count, counts: (1...5).map { score in given.filter { $0 == score }.count },
                                 average: Double(given.reduce(0, +)) / Double(given.count))
        }
    }
}
