import Testing
import TelefoniaCore

@Suite struct PortugueseSpeechTests {
    /// Cardinal numbers follow Brazilian usage: "cem"/"cento", "mil" without "um",
    /// and "e" before the last group only when it is under 100 or a whole hundred.
    @Test func saysCardinals() {
        let cases: [(Int, [String])] = [
            (0, ["0"]), (1, ["1"]), (16, ["16"]), (20, ["20"]), (21, ["20", "e", "1"]), (99, ["90", "e", "9"]),
            (100, ["100"]), (101, ["cento", "e", "1"]), (110, ["cento", "e", "10"]), (123, ["cento", "e", "20", "e", "3"]),
            (200, ["200"]), (999, ["900", "e", "90", "e", "9"]),
            (1000, ["mil"]), (1001, ["mil", "e", "1"]), (1100, ["mil", "e", "100"]), (1101, ["mil", "cento", "e", "1"]),
            (1999, ["mil", "900", "e", "90", "e", "9"]), (2000, ["2", "mil"]), (2500, ["2", "mil", "e", "500"]),
            (2520, ["2", "mil", "500", "e", "20"]), (21000, ["20", "e", "1", "mil"]), (100_000, ["100", "mil"]),
            (101_000, ["cento", "e", "1", "mil"]), (1_000_000, ["1", "milhao"]), (2_000_000, ["2", "milhoes"]),
            (1_000_001, ["1", "milhao", "e", "1"]), (1_001_000, ["1", "milhao", "e", "mil"]),
            (1_200_000, ["1", "milhao", "e", "200", "mil"]),
            (1_234_567, ["1", "milhao", "200", "e", "30", "e", "4", "mil", "500", "e", "60", "e", "7"]),
            (1_000_000_000, ["1", "bilhao"]), (3_000_000_005, ["3", "bilhoes", "e", "5"]),
            (-5, ["menos", "5"]),
        ]
        for (number, words) in cases {
            #expect(PortugueseSpeech.words(for: number) == words, "\(number)")
        }
    }

    /// Feminine nouns take "uma", "duas" and "duzentas…" in units and thousands, not in millions.
    @Test func saysFeminineForms() {
        let cases: [(Int, [String])] = [
            (1, ["1f"]), (2, ["2f"]), (3, ["3"]), (12, ["12"]), (21, ["20", "e", "1f"]), (200, ["200f"]),
            (222, ["200f", "e", "20", "e", "2f"]), (2000, ["2f", "mil"]), (2200, ["2f", "mil", "e", "200f"]),
            (2_000_000, ["2", "milhoes"]), (1_000_001, ["1", "milhao", "e", "1f"]),
        ]
        for (number, words) in cases {
            #expect(PortugueseSpeech.words(for: number, gender: .feminine) == words, "\(number)")
        }
    }

    /// Money: "doze reais e cinquenta centavos", singulars, zero, "de" after whole millions.
    @Test func saysMoney() {
        let cases: [(Int64, [String])] = [
            (1250, ["12", "reais", "e", "50", "centavos"]), (100, ["1", "real"]), (1, ["1", "centavo"]),
            (0, ["0", "reais"]), (101, ["1", "real", "e", "1", "centavo"]), (50, ["50", "centavos"]),
            (200_000, ["2", "mil", "reais"]), (100_000_000, ["1", "milhao", "de", "reais"]),
            (150_000_000, ["1", "milhao", "e", "500", "mil", "reais"]), (-350, ["menos", "3", "reais", "e", "50", "centavos"]),
        ]
        for (cents, words) in cases {
            #expect(PortugueseSpeech.money(cents: cents) == words, "\(cents)")
        }
    }

    /// Durations: "2 minutos e 5 segundos", hours in the feminine, zero seconds.
    @Test func saysDurations() {
        let cases: [(Int, [String])] = [
            (125, ["2", "minutos", "e", "5", "segundos"]), (3725, ["1f", "hora", "2", "minutos", "e", "5", "segundos"]),
            (0, ["0", "segundos"]), (1, ["1", "segundo"]), (60, ["1", "minuto"]), (61, ["1", "minuto", "e", "1", "segundo"]),
            (7200, ["2f", "horas"]), (3601, ["1f", "hora", "e", "1", "segundo"]), (-4, ["0", "segundos"]),
        ]
        for (seconds, words) in cases {
            #expect(PortugueseSpeech.duration(seconds: seconds) == words, "\(seconds)")
        }
    }

    /// Ordinals: "vigésimo terceiro" is two prompts; beyond 999 the cardinal is said.
    @Test func saysOrdinalsAndSentences() {
        #expect(PortugueseSpeech.ordinal(1) == ["ord-1"])
        #expect(PortugueseSpeech.ordinal(23) == ["ord-20", "ord-3"])
        #expect(PortugueseSpeech.ordinal(100) == ["ord-100"])
        #expect(PortugueseSpeech.ordinal(345) == ["ord-300", "ord-40", "ord-5"])
        #expect(PortugueseSpeech.ordinal(1000) == ["mil"])
        #expect(PortugueseSpeech.queuePosition(5) == ["voce-e-o", "ord-5", "na-fila"])
        #expect(PortugueseSpeech.estimatedWait(seconds: 90) == ["tempo-estimado-de-espera", "1", "minuto", "e", "30", "segundos"])
        #expect(PortugueseSpeech.participants(1) == ["voce-esta-sozinho-na-sala"])
        #expect(PortugueseSpeech.participants(3) == ["ha", "3", "participantes-na-sala"])
        #expect(PortugueseSpeech.balance(cents: 1250) == ["seu-saldo-e", "12", "reais", "e", "50", "centavos"])
        #expect(PortugueseSpeech.digits("12*#x") == ["1", "2", "estrela", "sustenido"])
    }

    /// Everything the module can say uses only names of the default prompt set.
    @Test func usesOnlyKnownPromptNames() {
        let known = Prompts.all
        var used = Set<String>()
        for number in 0...25_000 {
            used.formUnion(PortugueseSpeech.words(for: number))
            used.formUnion(PortugueseSpeech.words(for: number, gender: .feminine))
        }
        for number in stride(from: 0, through: PortugueseSpeech.maximum, by: 7_919_876_543) {
            used.formUnion(PortugueseSpeech.words(for: number))
            used.formUnion(PortugueseSpeech.words(for: number, gender: .feminine))
            used.formUnion(PortugueseSpeech.money(cents: Int64(number)))
        }
        for scale in [1_000_000, 1_000_000_000] {
            for factor in [1, 2, 21] {
                used.formUnion(PortugueseSpeech.words(for: factor * scale))
                used.formUnion(PortugueseSpeech.money(cents: Int64(factor * scale) * 100))
            }
        }
        for number in 1...1000 { used.formUnion(PortugueseSpeech.ordinal(number)) }
        for seconds in 0...10_000 { used.formUnion(PortugueseSpeech.duration(seconds: seconds)) }
        for cents in -200...20_000 { used.formUnion(PortugueseSpeech.money(cents: Int64(cents))) }
        used.formUnion(PortugueseSpeech.queuePosition(7) + PortugueseSpeech.participants(1) + PortugueseSpeech.participants(4))
        used.formUnion(PortugueseSpeech.estimatedWait(seconds: 5) + PortugueseSpeech.balance(cents: 5) + PortugueseSpeech.digits("0123456789*#"))
        for month in 1...12 { used.formUnion(PortugueseSpeech.receivedAt(day: 9, month: month, hour: 9, minute: 9)) }
        #expect(used.subtracting(known).isEmpty, "unknown prompts: \(used.subtracting(known).sorted())")
        // And the declared set has nothing the module never says (keeps the set honest).
        #expect(PortugueseSpeech.promptNames.subtracting(used).isEmpty, "never used: \(PortugueseSpeech.promptNames.subtracting(used).sorted())")
    }

    /// When a voicemail came: day, month, hour (feminine) and minutes.
    @Test func receivedAt() {
        #expect(PortugueseSpeech.receivedAt(day: 5, month: 12, hour: 10, minute: 30)
            == ["recebida-em", "5", "de", "dezembro", "as", "10", "horas", "e", "30", "minutos"])
        #expect(PortugueseSpeech.receivedAt(day: 1, month: 3, hour: 1, minute: 1)
            == ["recebida-em", "1", "de", "marco", "as", "1f", "hora", "e", "1", "minuto"])
        #expect(PortugueseSpeech.receivedAt(day: 31, month: 1, hour: 0, minute: 0) == ["recebida-em", "30", "e", "1", "de", "janeiro", "as", "0", "horas"])
        #expect(Set(PortugueseSpeech.receivedAt(day: 22, month: 8, hour: 22, minute: 45)).isSubset(of: PortugueseSpeech.promptNames))
    }
}
