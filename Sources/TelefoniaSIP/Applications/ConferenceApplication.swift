import Logging
import TelefoniaCore

/// One caller in a conference room (F6), run when a line dials `*91` and the room
/// number: the caller hears "há N participantes na sala" (N counting the caller) or
/// "você está sozinho na sala", then joins; everyone hears a beep when someone joins
/// or leaves. In the room each participant hears all the others and not itself.
struct ConferenceApplication: CallApplication {
    let name = "conference"
    let tenantID: String
    let number: String
    let rooms: ConferenceRooms
    let prompts: any PromptProvider

    func run(on channel: any CallChannel, logger: Logger) async {
        var logger = logger
        logger[metadataKey: "tel.tenant"] = "\(tenantID)"
        logger[metadataKey: "tel.room"] = "\(number)"
        guard let channel = channel as? any MixingChannel else {
            logger.error("conference: this channel cannot be mixed")
            return
        }
        do {
            for prompt in announcement(others: rooms.count(tenantID: tenantID, number: number)) {
                do {
                    try await channel.play(.prompt(prompt), bargeIn: false)
                } catch ChannelError.unknownPrompt(let name) {
                    // A missing prompt must not keep anyone out of the room.
                    logger.debug("conference: prompt missing", metadata: ["prompt": "\(name)"])
                }
            }
        } catch {
            logger.debug("conference: left during the announcement", metadata: ["reason": "\(error)"])
            return
        }
        let beep = self.beep
        let (bridge, member) = rooms.join(tenantID: tenantID, number: number, cue: beep)
        channel.setFrameExchange { inbound, nowMillis in
            bridge.exchange(member, inbound: inbound, round: nowMillis)
        }
        logger.info("conference: joined", metadata: ["participants": "\(bridge.count)"])
        // Stay until the call ends; digits are ignored for now (mute and the like come later).
        while channel.isUp {
            do {
                _ = try await channel.collectDigits(
                    DigitCollection(maxDigits: 1, firstDigitTimeout: 3_600_000, interDigitTimeout: 3_600_000, terminator: nil))
            } catch {
                break
            }
        }
        channel.setFrameExchange(nil)
        rooms.leave(tenantID: tenantID, number: number, bridge: bridge, member: member, cue: beep)
        logger.info("conference: left", metadata: ["participants": "\(bridge.count)"])
    }

    /// Prompt names the joiner hears when `others` people are in the room already.
    func announcement(others: Int) -> [String] {
        guard others > 0 else { return [Prompts.aloneInRoom] }
        return [Prompts.thereAre] + PortugueseSpeech.words(for: others + 1) + [Prompts.participantsInRoom]
    }

    /// The join and leave cue: the tenant's (or default) beep prompt, else a 250 ms 1 kHz tone.
    var beep: [Int16] {
        prompts.prompt(named: Prompts.beep, tenantID: tenantID)
            ?? ToneGenerator.samples(frequencies: [1000], milliseconds: 250, amplitude: 6000)
    }
}
