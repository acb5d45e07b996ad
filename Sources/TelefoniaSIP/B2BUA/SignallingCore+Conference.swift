import TelefoniaCore

extension SignallingCore {
    /// The application of a conference room the engine routed a call to
    /// ("conference:demo:100", see `ConferenceDialling`); nil for any other name.
    func conferenceApplication(named name: String) -> (any CallApplication)? {
        guard let room = ConferenceDialling.room(inApplication: name) else { return nil }
        return ConferenceApplication(tenantID: room.tenantID, number: room.number, rooms: conferences, prompts: prompts)
    }
}
