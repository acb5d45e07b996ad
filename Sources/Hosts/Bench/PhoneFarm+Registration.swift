import NIOCore
import TelefoniaCore
import TelefoniaSIP

extension PhoneFarm {
    /// OPTIONS to the server until it answers, every 100 ms for at most `attempts` tries.
    func waitForServer(attempts: Int) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        func attempt(_ left: Int) {
            guard left > 0 else {
                promise.fail(BenchError("the server did not answer OPTIONS on 127.0.0.1"))
                return
            }
            let options = SIPMessage(
                startLine: .request(method: "OPTIONS", uri: SIPURI(user: nil, host: domain, port: server.port)),
                vias: [via(branch: newBranch())], from: NameAddress(uri: addressOfRecord("bench")).withTag(newTag()),
                to: NameAddress(uri: addressOfRecord("bench")), callID: newCallID(), cseq: 1, cseqMethod: "OPTIONS",
                otherHeaders: [("Max-Forwards", "70")])
            var answered = false
            sendRequest(options, timeout: .milliseconds(100)) { [self] response, _ in
                guard !answered else { return }
                answered = true
                if let response, response.statusCode == 200 {
                    promise.succeed(())
                } else {
                    loop.scheduleTask(in: .milliseconds(100)) { attempt(left - 1) }
                }
            }
        }
        loop.execute { attempt(attempts) }
        return promise.futureResult
    }

    /// Registers every line (REGISTER, 401, REGISTER with credentials, 200),
    /// `parallel` at a time. Fails with the first line that could not register.
    func registerAll(_ lines: [BenchLine], parallel: Int = 32) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        loop.execute { [self] in
            for line in lines { self.lines[line.extensionNumber] = line }
            var nextIndex = 0
            var inFlight = 0
            var done = false
            func pump() {
                guard !done else { return }
                if nextIndex == lines.count, inFlight == 0 {
                    done = true
                    promise.succeed(())
                    return
                }
                while inFlight < parallel, nextIndex < lines.count {
                    let line = lines[nextIndex]
                    nextIndex += 1
                    inFlight += 1
                    register(line) { error in
                        inFlight -= 1
                        if let error {
                            done = true
                            promise.fail(error)
                        } else {
                            pump()
                        }
                    }
                }
            }
            pump()
        }
        return promise.futureResult
    }

    /// One line's registration; `completion(nil)` once the server lists our Contact.
    private func register(_ line: BenchLine, completion: @escaping (BenchError?) -> Void) {
        let callID = newCallID()
        let tag = newTag()
        let aor = addressOfRecord(line.extensionNumber)
        func request(cseq: Int, authorization: [String]) -> SIPMessage {
            SIPMessage(
                startLine: .request(method: "REGISTER", uri: SIPURI(user: nil, host: domain)),
                vias: [via(branch: newBranch())], from: NameAddress(uri: aor).withTag(tag), to: NameAddress(uri: aor),
                callID: callID, cseq: cseq, cseqMethod: "REGISTER", contacts: [contact(line)],
                authorization: authorization,
                otherHeaders: [("Max-Forwards", "70"), ("Expires", "3600"), ("User-Agent", "telefonia-bench")])
        }
        let first = request(cseq: 1, authorization: [])
        var finished = false
        func finish(_ error: BenchError?) {
            guard !finished else { return }
            finished = true
            completion(error)
        }
        sendRequest(first) { [self] response, bytes in
            guard let response else { return finish(BenchError("REGISTER of \(line.extensionNumber): no answer")) }
            guard response.statusCode >= 200, !finished else { return }
            guard response.statusCode == 401 else {
                return finish(BenchError("REGISTER of \(line.extensionNumber) without credentials answered "
                    + "\(response.statusCode), expected 401:\n" + String(decoding: bytes, as: UTF8.self)))
            }
            guard let challenge = pickChallenge(response.wwwAuthenticate) else {
                return finish(BenchError("401 to REGISTER offers no \(digest.rawValue) digest challenge:\n"
                    + String(decoding: bytes, as: UTF8.self)))
            }
            let credentials = DigestCredentials(
                answering: challenge, username: line.extensionNumber, password: line.password, method: "REGISTER",
                uri: first.requestURI!.description, cnonce: newTag())
            sendRequest(request(cseq: 2, authorization: [credentials.headerValue])) { response, bytes in
                guard let response else { return finish(BenchError("REGISTER of \(line.extensionNumber) with credentials: no answer")) }
                guard response.statusCode >= 200 else { return }
                guard response.statusCode == 200 else {
                    return finish(BenchError("REGISTER of \(line.extensionNumber) with credentials answered "
                        + "\(response.statusCode):\n" + String(decoding: bytes, as: UTF8.self)))
                }
                let ours = self.contact(line).uri
                guard response.contacts.contains(where: { $0.uri.user == ours.user && $0.uri.port == ours.port }) else {
                    return finish(BenchError("200 to REGISTER of \(line.extensionNumber) does not list our Contact:\n"
                        + String(decoding: bytes, as: UTF8.self)))
                }
                finish(nil)
            }
        }
    }

    /// Waits until the server has sent `count` OPTIONS keep-alives (its first
    /// round to the contacts just registered) or `timeout` has passed; returns
    /// how many arrived.
    func waitForKeepAlives(_ count: Int, timeout: TimeAmount) -> EventLoopFuture<Int> {
        let promise = loop.makePromise(of: Int.self)
        let deadline = NIODeadline.now() + timeout
        loop.execute { [self] in
            let start = counters.keepAlives
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(50)) { [self] task in
                let seen = counters.keepAlives - start
                if seen >= count || NIODeadline.now() >= deadline {
                    task.cancel()
                    promise.succeed(seen)
                }
            }
        }
        return promise.futureResult
    }

    /// The challenge for our algorithm among those offered (RFC 8760: one per algorithm).
    func pickChallenge(_ headers: [String]) -> DigestChallenge? {
        let challenges = headers.compactMap(DigestChallenge.init(header:))
        return challenges.first { $0.algorithm == digest }
    }
}
