/// Names of the default prompts (files `prompts/pt-BR/<name>.wav`, made by
/// `scripts/make-prompts.sh` from `scripts/prompts-pt-BR.tsv`). A tenant's own audio
/// file with the same name replaces a default prompt for that tenant.
///
/// Naming scheme (ASCII, lower case, words joined by "-"):
/// - numbers are their digits, masculine form: "0"…"19", "20", "30"…"90", "100"
///   ("cem"), "cento" (the hundred of 101–199), "200"…"900" ("duzentos"…);
/// - feminine forms end in "f": "1f" ("uma"), "2f" ("duas"), "200f"…"900f" ("duzentas"…);
/// - ordinals (masculine) are "ord-" and the value of the part: "ord-1" ("primeiro"),
///   "ord-20" ("vigésimo"), "ord-300" ("trecentésimo"); 23º is "ord-20", "ord-3";
/// - other words and phrases are written without accents: "milhao", "voce-e-o".
public enum Prompts {
    // MARK: Phrases
    /// "Digite o número seguido de sustenido."
    public static let enterNumberThenPound = "digite-o-numero-seguido-de-sustenido"
    /// "Opção inválida."
    public static let invalidOption = "opcao-invalida"
    /// "Você é o" (followed by an ordinal and `inQueue`).
    public static let youAre = "voce-e-o"
    /// "na fila".
    public static let inQueue = "na-fila"
    /// "Tempo estimado de espera" (followed by a duration).
    public static let estimatedWait = "tempo-estimado-de-espera"
    /// "Há" (followed by a number and `participantsInRoom`).
    public static let thereAre = "ha"
    /// "participantes na sala".
    public static let participantsInRoom = "participantes-na-sala"
    /// "Você está sozinho na sala."
    public static let aloneInRoom = "voce-esta-sozinho-na-sala"
    /// "Seu saldo é" (followed by an amount of money).
    public static let yourBalanceIs = "seu-saldo-e"
    /// "Este destino não está disponível no momento." (an IVR option that cannot be reached).
    public static let unavailable = "destino-indisponivel"
    /// "Por favor, avalie o atendimento de 1 a 5, sendo 5 muito satisfeito." (the IVR survey).
    public static let surveyQuestion = "avalie-o-atendimento"
    /// "Obrigado."
    public static let thankYou = "obrigado"
    /// "Serviço ativado." (a feature code turned something on).
    public static let serviceOn = "servico-ativado"
    /// "Serviço desativado."
    public static let serviceOff = "servico-desativado"
    /// "Deixe sua mensagem após o sinal." (a voicemail box without its own greeting).
    public static let leaveMessage = "deixe-sua-mensagem"
    /// "Pedido de retorno registrado. Ligaremos para você quando chegar a sua vez." (B4).
    public static let callbackBooked = "retorno-registrado"
    /// "O ramal está ocupado. Deixe sua mensagem após o sinal." (a box's default busy greeting).
    public static let busyLeaveMessage = "ramal-ocupado-deixe-sua-mensagem"
    /// "Mensagem gravada. Obrigado."
    public static let messageKept = "mensagem-gravada"
    /// "Digite sua senha seguida de sustenido."
    public static let enterPassword = "digite-sua-senha"
    /// "Você tem" (followed by a number and `newMessages`).
    public static let youHave = "voce-tem"
    /// "mensagens novas."
    public static let newMessages = "mensagens-novas"
    /// "Mensagem de" (followed by the caller's digits).
    public static let messageFrom = "mensagem-de"
    /// "Tecle 7 para apagar ou 9 para guardar."
    public static let deleteOrKeep = "tecle-7-apagar-9-guardar"
    /// "Mensagem apagada."
    public static let messageDeleted = "mensagem-apagada"
    /// "Não há mais mensagens."
    public static let noMoreMessages = "nao-ha-mais-mensagens"
    /// "Estamos fora do horário de atendimento." (a default after-hours audio).
    public static let closed = "fora-do-horario"

    // MARK: Sounds
    /// A 0.25 s 1 kHz beep (record after the beep, conference join/leave).
    public static let beep = "beep"
    /// The default music on hold (a 20 s loop).
    public static let musicOnHold = "musica-de-espera"

    // MARK: Keys
    /// The `*` key: "estrela".
    public static let star = "estrela"
    /// The `#` key: "sustenido".
    public static let pound = "sustenido"

    /// Phrases, sounds and keys above.
    public static let phrases: [String] = [
        enterNumberThenPound, invalidOption, youAre, inQueue, estimatedWait, thereAre, participantsInRoom, aloneInRoom,
        yourBalanceIs, unavailable, surveyQuestion, thankYou, closed, serviceOn, serviceOff, leaveMessage, busyLeaveMessage, callbackBooked, messageKept, enterPassword, youHave, newMessages, messageFrom, deleteOrKeep,
        messageDeleted, noMoreMessages, beep, musicOnHold, star, pound,
    ]

    /// Every default prompt name: the phrases and everything `PortugueseSpeech` can say.
    public static var all: Set<String> {
        PortugueseSpeech.promptNames.union(phrases)
    }

    /// The prompt name of a keypad key ("0"–"9", "estrela", "sustenido"; "A"–"D" as "a"–"d",
    /// which the default set does not have).
    public static func name(of digit: DTMFDigit) -> String {
        switch digit {
        case .star: star
        case .pound: pound
        default: digit.description.lowercased()
        }
    }
}
