import Logging

/// What a campaign call does once answered (C1): each level's audio (a key may cut it
/// short), one key, and its action — the next level, hanging up (after the hang-up
/// audio), or handing the call to a line, queue or IVR. A key with no action, or none
/// in time, ends the call like `hangup`.
public struct CampaignLevels: Sendable {
    /// How the call left the levels.
    public enum Exit: Sendable, Equatable {
        case hangUp
        /// Hand the call on (to a line, queue or IVR menu).
        case handOff(IVRDestination)
        /// The called party hung up.
        case calledHungUp
    }

    public let campaign: Campaign

    public init(campaign: Campaign) { self.campaign = campaign }

    /// Runs the levels on `channel`; returns the keys pressed per level reached (empty
    /// string where none came) and how the call left.
    public func run(on channel: any CallChannel, logger: Logger) async -> (digits: [String], exit: Exit) {
        var digits: [String] = []
        for level in campaign.levels {
            let key: String
            do {
                var pressed = try await play(level.audio, on: channel)
                if pressed == nil {
                    let collected = try await channel.collectDigits(DigitCollection(
                        maxDigits: 1, firstDigitTimeout: level.keySeconds * 1000, interDigitTimeout: 1000, terminator: nil))
                    pressed = collected.first
                }
                key = pressed.map(String.init) ?? ""
            } catch {
                return (digits, .calledHungUp)
            }
            digits.append(key)
            switch level.actions[key] {
            case .nextLevel?:
                continue
            case .line(let ext)?:
                return (digits, .handOff(.line(ext)))
            case .queue(let name)?:
                return (digits, .handOff(.queue(name)))
            case .ivr(let number)?:
                return (digits, .handOff(.menu(number)))
            case .hangUp?, nil:
                await goodbye(on: channel)
                return (digits, .hangUp)
            }
        }
        await goodbye(on: channel)
        return (digits, .hangUp)
    }

    /// Plays `audio` letting a key cut it short; returns that key. A missing audio is skipped.
    private func play(_ audio: String, on channel: any CallChannel) async throws -> Character? {
        do {
            return try await channel.play(.prompt(audio), bargeIn: true)
        } catch ChannelError.unknownPrompt {
            return nil
        }
    }

    private func goodbye(on channel: any CallChannel) async {
        if let audio = campaign.hangUpAudio { _ = try? await channel.play(.prompt(audio), bargeIn: false) }
        _ = try? await channel.play(.silence(milliseconds: 300), bargeIn: false)
    }
}
