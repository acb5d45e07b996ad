/// Brazilian area codes (DDD) to state and main city (Anatel's 67 geographic codes),
/// so reports say where a number is.
public enum Regions {
    /// The region of a Brazilian E.164 number, "+5531…" (or without the "+"); nil for
    /// foreign, toll-free, emergency and malformed numbers and unassigned area codes.
    public static func region(forE164 number: String) -> Region? {
        var digits = Substring(number)
        if digits.first == "+" { digits = digits.dropFirst() }
        // +55, two DDD digits and an 8 (fixed, old mobile) or 9 (mobile) digit subscriber number.
        guard digits.hasPrefix("55"), digits.count == 12 || digits.count == 13,
              digits.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return region(forAreaCode: String(digits.dropFirst(2).prefix(2)))
    }

    /// The region of an area code, "31"; nil when Anatel never assigned it ("20", "23", "36"…).
    public static func region(forAreaCode areaCode: String) -> Region? {
        byAreaCode[areaCode]
    }

    /// Every assigned area code, in ascending order.
    public static var all: [Region] {
        byAreaCode.values.sorted { $0.areaCode < $1.areaCode }
    }

    private static let stateNames: [String: String] = [
        "AC": "Acre", "AL": "Alagoas", "AM": "Amazonas", "AP": "Amapá", "BA": "Bahia", "CE": "Ceará",
        "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão", "MG": "Minas Gerais",
        "MS": "Mato Grosso do Sul", "MT": "Mato Grosso", "PA": "Pará", "PB": "Paraíba", "PE": "Pernambuco",
        "PI": "Piauí", "PR": "Paraná", "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte", "RO": "Rondônia",
        "RR": "Roraima", "RS": "Rio Grande do Sul", "SC": "Santa Catarina", "SE": "Sergipe", "SP": "São Paulo",
        "TO": "Tocantins",
    ]

    /// Area code, state, main city. Codes with several large cities name the largest
    /// (24 Volta Redonda rather than Petrópolis, 45 Cascavel rather than Foz do Iguaçu).
    private static let table: [(String, String, String)] = [
        ("11", "SP", "São Paulo"), ("12", "SP", "São José dos Campos"), ("13", "SP", "Santos"),
        ("14", "SP", "Bauru"), ("15", "SP", "Sorocaba"), ("16", "SP", "Ribeirão Preto"),
        ("17", "SP", "São José do Rio Preto"), ("18", "SP", "Presidente Prudente"), ("19", "SP", "Campinas"),
        ("21", "RJ", "Rio de Janeiro"), ("22", "RJ", "Campos dos Goytacazes"), ("24", "RJ", "Volta Redonda"),
        ("27", "ES", "Vitória"), ("28", "ES", "Cachoeiro de Itapemirim"),
        ("31", "MG", "Belo Horizonte"), ("32", "MG", "Juiz de Fora"), ("33", "MG", "Governador Valadares"),
        ("34", "MG", "Uberlândia"), ("35", "MG", "Poços de Caldas"), ("37", "MG", "Divinópolis"),
        ("38", "MG", "Montes Claros"),
        ("41", "PR", "Curitiba"), ("42", "PR", "Ponta Grossa"), ("43", "PR", "Londrina"), ("44", "PR", "Maringá"),
        ("45", "PR", "Cascavel"), ("46", "PR", "Francisco Beltrão"),
        ("47", "SC", "Joinville"), ("48", "SC", "Florianópolis"), ("49", "SC", "Chapecó"),
        ("51", "RS", "Porto Alegre"), ("53", "RS", "Pelotas"), ("54", "RS", "Caxias do Sul"),
        ("55", "RS", "Santa Maria"),
        ("61", "DF", "Brasília"), ("62", "GO", "Goiânia"), ("63", "TO", "Palmas"), ("64", "GO", "Rio Verde"),
        ("65", "MT", "Cuiabá"), ("66", "MT", "Rondonópolis"), ("67", "MS", "Campo Grande"),
        ("68", "AC", "Rio Branco"), ("69", "RO", "Porto Velho"),
        ("71", "BA", "Salvador"), ("73", "BA", "Itabuna"), ("74", "BA", "Juazeiro"), ("75", "BA", "Feira de Santana"),
        ("77", "BA", "Vitória da Conquista"), ("79", "SE", "Aracaju"),
        ("81", "PE", "Recife"), ("82", "AL", "Maceió"), ("83", "PB", "João Pessoa"), ("84", "RN", "Natal"),
        ("85", "CE", "Fortaleza"), ("86", "PI", "Teresina"), ("87", "PE", "Petrolina"),
        ("88", "CE", "Juazeiro do Norte"), ("89", "PI", "Picos"),
        ("91", "PA", "Belém"), ("92", "AM", "Manaus"), ("93", "PA", "Santarém"), ("94", "PA", "Marabá"),
        ("95", "RR", "Boa Vista"), ("96", "AP", "Macapá"), ("97", "AM", "Coari"), ("98", "MA", "São Luís"),
        ("99", "MA", "Imperatriz"),
    ]

    private static let byAreaCode: [String: Region] = Dictionary(
        uniqueKeysWithValues: table.map { code, state, city in
            (code, Region(areaCode: code, state: state, stateName: stateNames[state] ?? state, city: city))
        }
    )
}
