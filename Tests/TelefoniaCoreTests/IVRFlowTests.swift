import Testing
import TelefoniaCore
import TelefoniaTesting

@Suite struct IVRFlowTests {
    /// Monday 2026-12-07 10:00 in São Paulo (13:00 UTC): inside office hours.
    static let mondayMorning = utcMillis(2026, 12, 7, 13, 0)
    /// Saturday 2026-12-05 10:00 local: outside them.
    static let saturday = utcMillis(2026, 12, 5, 13, 0)

    /// Acme's reception: menu 1 (office hours, direct dialling, 1 → line 201, 2 → menu 2,
    /// 9 → hang up, 0 → "invalid"), menu 2 (sales: 1 → voicemail of 202, * → back to 1),
    /// menu 3 (after hours: no key → hang up).
    static func store() throws -> MemoryStore {
        let store = try MemoryStore(
            tenants: [Tenant(id: "acme", domain: "acme.test", name: "Acme")],
            lines: ["201", "202"].map { Line(tenantID: "acme", extensionNumber: $0, ha1MD5: "", ha1SHA256: "") })
        try store.save(TimeProfileTests.office)
        try store.save(IVRMenu(tenantID: "acme", number: "3", name: "Plantão", greeting: "plantao", options: [.timeout: .hangUp]))
        try store.save(IVRMenu(tenantID: "acme", number: "2", name: "Vendas", greeting: "vendas",
                               options: [.k1: .voicemail("202")]))
        try store.save(IVRMenu(
            tenantID: "acme", number: "1", name: "Recepção", greeting: "bem-vindo", timeProfile: "comercial",
            afterHoursAudio: "fora-do-horario", afterHours: .menu("3"), timeoutAudio: "tempo-esgotado",
            options: [.k1: .line("201"), .k2: .menu("2"), .k9: .hangUp, .k0: .invalid], directDial: true))
        // Menu 2 leads back to 1 once 1 exists.
        var sales = try #require(try store.ivrMenu(tenantID: "acme", number: "2"))
        sales.options[.star] = .menu("1")
        try store.save(sales)
        return store
    }

    private func run(_ script: [ScriptedChannel.Caller], at millis: Int64 = mondayMorning, store: MemoryStore? = nil,
                     from menu: String = "1") async throws -> (IVRExit, [String], ScriptedChannel) {
        let clock = ManualClock(startMillis: millis)
        let channel = ScriptedChannel(tenantID: "acme", script: script, clock: clock)
        let flow = IVRFlow(tenantID: "acme", directory: StoreIVRDirectory(store: try store ?? Self.store()), clock: clock)
        let (exit, path) = await flow.run(from: menu, on: channel)
        return (exit, path.map(\.description), channel)
    }

    @Test func keyLeadsToALine() async throws {
        let (exit, path, channel) = try await run([.keys("1")])
        #expect(exit == .connect(.line("201")))
        #expect(path == ["1:1→line:201"])
        #expect(channel.prompts == ["bem-vindo"])
    }

    /// With direct dialling a caller who knows the extension dials it.
    @Test func directDialOfAnExtension() async throws {
        let (exit, path, _) = try await run([.keys("202")])
        #expect(exit == .connect(.line("202")))
        #expect(path == ["1:202→line:202"])
        let (unknown, unknownPath, channel) = try await run([.keys("299"), .keys("9")])
        #expect(unknown == .hungUp)
        #expect(unknownPath == ["1:I:299→repeat", "1:9→hangup"])
        #expect(channel.prompts == ["bem-vindo", Prompts.invalidOption, "bem-vindo"])
    }

    /// An invalid key plays "opção inválida" and asks again; menus lead to menus.
    @Test func invalidKeyThenSubmenu() async throws {
        let (exit, path, channel) = try await run([.keys("5"), .keys("0"), .keys("2"), .keys("1")])
        #expect(exit == .connect(.voicemail("202")))
        #expect(path == ["1:I:5→repeat", "1:0→repeat", "1:2→menu:2", "2:1→voicemail:202"])
        #expect(channel.prompts == ["bem-vindo", Prompts.invalidOption, "bem-vindo", Prompts.invalidOption, "bem-vindo", "vendas"])
    }

    /// No key three times: the timeout audio each time, then the IVR hangs up.
    @Test func timeoutsUpToTheAttemptLimit() async throws {
        let (exit, path, channel) = try await run([.silence, .silence, .silence, .keys("1")])
        #expect(exit == .hungUp)
        #expect(path == ["1:T→repeat", "1:T→repeat", "1:T→repeat", "1:attempts→hangup"])
        #expect(channel.prompts == Array(repeating: ["bem-vindo", "tempo-esgotado"], count: 3).flatMap { $0 })
        #expect(channel.remaining == [.keys("1")])
    }

    /// Outside the profile's hours: the after-hours audio, then its action (menu 3, whose
    /// `T` option hangs up).
    @Test func afterHoursAction() async throws {
        let (exit, path, channel) = try await run([.silence], at: Self.saturday)
        #expect(exit == .hungUp)
        #expect(path == ["1:after-hours→menu:3", "3:T→hangup"])
        #expect(channel.prompts == ["fora-do-horario", "plantao"])
    }

    /// The profile is read on the call's clock: a caller who waits past 18:00 in menu 2
    /// and goes back to menu 1 finds it closed.
    @Test func profileReadWhenTheMenuIsReached() async throws {
        // Monday 17:59:50 local; back in menu 1 after 18:00.
        let (exit, path, _) = try await run([.keys("2"), .silence, .keys("*"), .silence],
                                            at: utcMillis(2026, 12, 7, 20, 59) + 50_000)
        #expect(exit == .hungUp)
        #expect(path == ["1:2→menu:2", "2:T→repeat", "2:*→menu:1", "1:after-hours→menu:3", "3:T→hangup"])
    }

    /// Menus that lead to each other end in a hang-up after `maxMenus`.
    @Test func loopProtection() async throws {
        let store = try Self.store()
        try store.save(IVRMenu(tenantID: "acme", number: "4", name: "Eco", options: [.k1: .menu("4")]))
        let (exit, path, channel) = try await run(Array(repeating: .keys("1"), count: 40), store: store, from: "4")
        #expect(exit == .hungUp)
        #expect(path == Array(repeating: "4:1→menu:4", count: IVRFlow.maxMenus) + ["4:loop→hangup"])
        #expect(channel.remaining.count == 40 - IVRFlow.maxMenus)
    }

    /// A greeting the tenant removed is skipped: the menu still takes keys.
    @Test func missingAudioIsSkipped() async throws {
        let clock = ManualClock(startMillis: Self.mondayMorning)
        let channel = ScriptedChannel(tenantID: "acme", script: [.keys("1")], clock: clock)
        channel.missingPrompts = ["bem-vindo"]
        let flow = IVRFlow(tenantID: "acme", directory: StoreIVRDirectory(store: try Self.store()), clock: clock)
        let (exit, path) = await flow.run(from: "1", on: channel)
        #expect(exit == .connect(.line("201")))
        #expect(path.map(\.description) == ["1:1→line:201"])
    }

    @Test func callerHangsUp() async throws {
        let (exit, path, _) = try await run([.keys("5"), .hangUp])
        #expect(exit == .callerHungUp)
        #expect(path == ["1:I:5→repeat"])
    }

    /// A change is read by the next call at once.
    @Test func changesApplyToTheNextCall() async throws {
        let store = try Self.store()
        var menu = try #require(try store.ivrMenu(tenantID: "acme", number: "1"))
        menu.options[.k1] = .line("202")
        try store.save(menu)
        let (exit, _, _) = try await run([.keys("1")], store: store)
        #expect(exit == .connect(.line("202")))
    }

    /// The store keeps menus consistent: no option to a missing menu, profile or line;
    /// nothing another menu names can be removed; queues and the portal are not
    /// available yet and say so.
    @Test func storeRules() throws {
        let store = try Self.store()
        func refusal(_ menu: IVRMenu) -> String? {
            do { try store.save(menu); return nil } catch let error as StoreError { return error.message } catch { return "\(error)" }
        }
        var menu = IVRMenu(tenantID: "acme", number: "7", name: "x", options: [.k1: .menu("8")])
        #expect(refusal(menu) == "tenant acme has no IVR 8")
        menu.options = [.k1: .line("999")]
        #expect(refusal(menu) == "tenant acme has no line 999")
        menu.options = [.k1: .group("vendas")]
        #expect(refusal(menu) == "tenant acme has no call group vendas")
        menu.options = [.k1: .queue("suporte")]
        #expect(refusal(menu) == "tenant acme has no queue suporte")
        menu.options = [.k1: .portal]
        #expect(refusal(menu) == nil, "the voice portal is an option like any other")
        menu.options = [:]
        menu.timeProfile = "nenhum"
        #expect(refusal(menu) == "tenant acme has no time profile nenhum")
        menu.timeProfile = nil
        menu.afterHours = .line("201")
        #expect(refusal(menu)?.contains("after-hours action") == true)
        menu.afterHours = .hangUp
        menu.responseTimeout = 0
        #expect(refusal(menu)?.contains("response timeout") == true)
        #expect(throws: StoreError.self) { try store.removeIVRMenu(tenantID: "acme", number: "3") }
        #expect(throws: StoreError.self) { try store.removeTimeProfile(tenantID: "acme", name: "comercial") }
        #expect(throws: StoreError.self) { try store.removeLine(tenantID: "acme", extensionNumber: "201") }
        #expect(throws: StoreError.self) { try store.save(IVRMenu(tenantID: "nobody", number: "1", name: "x")) }
    }

    /// Destinations read and write as text.
    @Test func destinationText() {
        for text in ["invalid", "hangup", "portal", "menu:2", "line:201", "group:vendas", "queue:suporte", "voicemail:201"] {
            #expect(IVRDestination(parsing: text)?.description == text)
        }
        #expect(IVRDestination(parsing: "menu:x") == nil)
        #expect(IVRDestination(parsing: "line:") == nil)
        #expect(IVRDestination(parsing: "somewhere") == nil)
    }
}

@Suite struct IVRWhatIfTests {
    /// A day of generated callers through acme's menus: every call ends somewhere, the
    /// night's callers meet menu 1 after hours, the same seed gives the same day.
    @Test func aDayOfCallersEndsSomewhereAndReplays() async throws {
        let store = try IVRFlowTests.store()
        var callers = IVRWhatIf.Callers()
        callers.calls = 2000
        let whatIf = IVRWhatIf(tenantID: "acme", directory: StoreIVRDirectory(store: store))
        let monday = LocalDate(year: 2026, month: 12, day: 7)
        let day = try await whatIf.run(start: "1", day: monday, callers: callers, seed: 7)
        #expect(day.calls == 2000)
        #expect(day.exits.values.reduce(0, +) == 2000)
        #expect(day.afterHours > 0 && day.afterHours < 2000, "calls before 08:00 and after 18:00 meet the after-hours action")
        #expect(day.exits["line:201"] ?? 0 > 0)
        #expect(day.exits["voicemail:202"] ?? 0 > 0)
        #expect(day.exits["abandoned"] ?? 0 > 0)
        #expect(try await whatIf.run(start: "1", day: monday, callers: callers, seed: 7) == day)
        #expect(try await whatIf.run(start: "1", day: monday, callers: callers, seed: 8) != day)
        // Saturday: menu 1 is closed all day, so every call meets the after-hours action.
        let saturday = try await whatIf.run(start: "1", day: LocalDate(year: 2026, month: 12, day: 5), callers: callers, seed: 7)
        #expect(saturday.afterHours == 2000)
        #expect(saturday.exits["line:201"] == nil)
    }
}
