/// Brazilian Portuguese numbers, ordinals, money and durations as lists of prompt
/// names to play one after the other (see `Prompts` for the naming scheme):
/// `money(cents: 1250)` is `["12", "reais", "e", "50", "centavos"]`, "doze reais e
/// cinquenta centavos".
///
/// Grammar followed:
/// - "e" joins hundreds, tens and units ("cento e vinte e três"); between groups of
///   thousands it comes only before the last group, and only when that group is
///   below 100 or a whole hundred ("mil e quinhentos", "mil e vinte", but "mil
///   quinhentos e vinte"; "um milhão e duzentos mil");
/// - 100 is "cem", 101–199 "cento e …"; 1000 is "mil", never "um mil";
/// - feminine nouns ("horas") take "uma", "duas", "duzentas"… in the units and
///   thousands (not in millions: "milhão" is masculine): "duas mil e duzentas horas";
/// - "de" after whole millions before a noun: "um milhão de reais".
public enum PortugueseSpeech {
    /// The grammatical gender of the noun a number counts.
    public enum Gender: Sendable {
        case masculine, feminine
    }

    /// Largest number spoken (999 999 999 999: "novecentos e noventa e nove bilhões…").
    public static let maximum = 999_999_999_999

    /// A cardinal number: `words(for: 21)` is `["20", "e", "1"]`, with `.feminine`
    /// `["20", "e", "1f"]`. Negative numbers start with "menos". Numbers beyond
    /// `maximum` are said digit by digit.
    public static func words(for number: Int, gender: Gender = .masculine) -> [String] {
        if number < 0 {
            guard number != Int.min else { return digits(String(number)) }
            return ["menos"] + words(for: -number, gender: gender)
        }
        if number == 0 { return ["0"] }
        guard number <= maximum else { return digits(String(number)) }
        let billions = number / 1_000_000_000
        let millions = number / 1_000_000 % 1000
        let thousands = number / 1000 % 1000
        let units = number % 1000
        var groups: [(value: Int, words: [String])] = []
        if billions > 0 { groups.append((billions, hundreds(billions, .masculine) + [billions == 1 ? "bilhao" : "bilhoes"])) }
        if millions > 0 { groups.append((millions, hundreds(millions, .masculine) + [millions == 1 ? "milhao" : "milhoes"])) }
        if thousands > 0 { groups.append((thousands, (thousands == 1 ? [] : hundreds(thousands, gender)) + ["mil"])) }
        if units > 0 { groups.append((units, hundreds(units, gender))) }
        var result: [String] = []
        for (index, group) in groups.enumerated() {
            if index > 0 && index == groups.count - 1 && (group.value < 100 || group.value % 100 == 0) {
                result.append("e")
            }
            result += group.words
        }
        return result
    }

    /// A masculine ordinal, 1 to 999 ("você é o vigésimo terceiro": `["ord-20", "ord-3"]`);
    /// other numbers fall back to the cardinal.
    public static func ordinal(_ number: Int) -> [String] {
        guard (1...999).contains(number) else { return words(for: number) }
        let parts = [number / 100 * 100, number / 10 % 10 * 10, number % 10]
        return parts.filter { $0 > 0 }.map { "ord-\($0)" }
    }

    /// An amount of money in reais: `money(cents: 1250)` is "doze reais e cinquenta
    /// centavos"; 100 is "um real", 1 is "um centavo", 0 is "zero reais",
    /// 100_000_000 is "um milhão de reais"; negative amounts start with "menos".
    public static func money(cents: Int64) -> [String] {
        if cents < 0 {
            guard cents != Int64.min else { return digits(String(cents)) }
            return ["menos"] + money(cents: -cents)
        }
        let reais = Int(cents / 100), centavos = Int(cents % 100)
        if reais == 0 && centavos == 0 { return ["0", "reais"] }
        var result: [String] = []
        if reais > 0 {
            result += words(for: reais)
            if reais % 1_000_000 == 0 && reais <= maximum { result.append("de") }
            result.append(reais == 1 ? "real" : "reais")
        }
        if centavos > 0 {
            if reais > 0 { result.append("e") }
            result += words(for: centavos)
            result.append(centavos == 1 ? "centavo" : "centavos")
        }
        return result
    }

    /// A duration: `duration(seconds: 125)` is "dois minutos e cinco segundos",
    /// 3725 is "uma hora, dois minutos e cinco segundos" (hours are feminine),
    /// 0 is "zero segundos". Negative durations count as zero.
    public static func duration(seconds: Int) -> [String] {
        let total = max(0, seconds)
        if total == 0 { return ["0", "segundos"] }
        let hours = total / 3600, minutes = total / 60 % 60, rest = total % 60
        var parts: [[String]] = []
        if hours > 0 { parts.append(words(for: hours, gender: .feminine) + [hours == 1 ? "hora" : "horas"]) }
        if minutes > 0 { parts.append(words(for: minutes) + [minutes == 1 ? "minuto" : "minutos"]) }
        if rest > 0 { parts.append(words(for: rest) + [rest == 1 ? "segundo" : "segundos"]) }
        var result: [String] = []
        for (index, part) in parts.enumerated() {
            if index > 0 && index == parts.count - 1 { result.append("e") }
            result += part
        }
        return result
    }

    /// Keys one by one ("1", "2", "estrela", "sustenido"); other characters are skipped.
    public static func digits(_ text: String) -> [String] {
        text.compactMap { DTMFDigit($0) }.filter { !"ABCD".contains($0.character) }.map(Prompts.name(of:))
    }

    // MARK: - Sentences

    /// "Você é o quinto na fila."
    public static func queuePosition(_ position: Int) -> [String] {
        [Prompts.youAre] + ordinal(position) + [Prompts.inQueue]
    }

    /// "Tempo estimado de espera: dois minutos."
    public static func estimatedWait(seconds: Int) -> [String] {
        [Prompts.estimatedWait] + duration(seconds: seconds)
    }

    /// "Há três participantes na sala", or "Você está sozinho na sala" for 1 (or fewer).
    public static func participants(_ count: Int) -> [String] {
        count <= 1 ? [Prompts.aloneInRoom] : [Prompts.thereAre] + words(for: count) + [Prompts.participantsInRoom]
    }

    /// Month names, prompts "janeiro"…"dezembro".
    public static let months = ["janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro",
                                "outubro", "novembro", "dezembro"]

    /// When something happened: "recebida em cinco de dezembro, às dez horas e trinta
    /// minutos" (hours feminine, "meia-noite"-free: 0 h is "zero horas").
    public static func receivedAt(day: Int, month: Int, hour: Int, minute: Int) -> [String] {
        var result = ["recebida-em"] + words(for: day) + ["de", months[max(1, min(12, month)) - 1], "as"]
        result += words(for: hour, gender: .feminine) + [hour == 1 ? "hora" : "horas"]
        if minute > 0 { result += ["e"] + words(for: minute) + [minute == 1 ? "minuto" : "minutos"] }
        return result
    }

    /// "Seu saldo é doze reais e cinquenta centavos."
    public static func balance(cents: Int64) -> [String] {
        [Prompts.yourBalanceIs] + money(cents: cents)
    }

    // MARK: - Parts

    /// 1–999 (0 gives nothing).
    static func hundreds(_ number: Int, _ gender: Gender) -> [String] {
        if number == 100 { return ["100"] }
        let hundred = number / 100, rest = number % 100
        var result: [String] = []
        if hundred == 1 { result.append("cento") }
        if hundred > 1 { result.append("\(hundred * 100)" + (gender == .feminine ? "f" : "")) }
        if rest > 0 {
            if hundred > 0 { result.append("e") }
            result += belowHundred(rest, gender)
        }
        return result
    }

    /// 1–99.
    static func belowHundred(_ number: Int, _ gender: Gender) -> [String] {
        if number < 20 { return [unit(number, gender)] }
        let tens = number / 10 * 10, unit = number % 10
        return unit == 0 ? ["\(tens)"] : ["\(tens)", "e", self.unit(unit, gender)]
    }

    /// 1–19: "uma" and "duas" are the only feminine forms below 200.
    static func unit(_ number: Int, _ gender: Gender) -> String {
        gender == .feminine && (number == 1 || number == 2) ? "\(number)f" : "\(number)"
    }

    /// Every prompt name these functions can return.
    public static let promptNames: Set<String> = {
        var names = Set((0...19).map(String.init))
        names.formUnion(stride(from: 20, through: 90, by: 10).map(String.init))
        names.formUnion(["100", "cento", "1f", "2f"])
        for hundred in stride(from: 200, through: 900, by: 100) { names.formUnion(["\(hundred)", "\(hundred)f"]) }
        names.formUnion(["mil", "milhao", "milhoes", "bilhao", "bilhoes", "e", "menos", "de"])
        for value in 1...9 { names.formUnion(["ord-\(value)", "ord-\(value * 10)", "ord-\(value * 100)"]) }
        names.formUnion(["real", "reais", "centavo", "centavos", "hora", "horas", "minuto", "minutos", "segundo", "segundos"])
        names.formUnion([Prompts.star, Prompts.pound])
        names.formUnion(months + ["recebida-em", "as"])
        names.formUnion([Prompts.youAre, Prompts.inQueue, Prompts.estimatedWait, Prompts.thereAre,
                         Prompts.participantsInRoom, Prompts.aloneInRoom, Prompts.yourBalanceIs])
        return names
    }()
}
