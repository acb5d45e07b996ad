import Logging
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TelefoniaCore

/// The panel's pages (Brazilian Portuguese): server-rendered HTML, one small script of
/// our own (no inline script: the CSP forbids it), our own CSS. The pages read the API
/// with the session cookie and send the CSRF token on changes.
extension PanelServer {
    static let staticTypes = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]

    func addPages(_ router: Router<PanelContext>) {
        router.get("/") { _, context in
            Response(status: .seeOther, headers: [.location: context.user == nil ? "/login" : "/painel"])
        }
        router.get("/login") { _, _ in Self.page(title: "Entrar", body: Self.loginBody, scripts: ["login"]) }
        router.get("/painel") { _, context in
            guard let user = context.user else { return Response(status: .seeOther, headers: [.location: "/login"]) }
            return Self.page(title: "Painel", body: Self.panelBody(user), scripts: ["painel", "recursos", "facilidades", "telefone"])
        }
        router.get("/static/:file") { _, context in
            let file = try context.pathParameter("file")
            guard file.range(of: "^[a-z0-9-]+\\.(css|js|svg)$", options: .regularExpression) != nil,
                  let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "static"),
                  let data = try? Data(contentsOf: url) else { throw Problem.notFound("no file \(file)") }
            let type = Self.staticTypes[String(file.split(separator: ".").last ?? "")] ?? "application/octet-stream"
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Escapes text for HTML (every value a page shows goes through it).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func page(title: String, body: String, scripts: [String]) -> Response {
        // en.js first: English when the user chose it (the language button it adds).
        let tags = (["en"] + scripts).map { "<script src=\"/static/\($0).js\" defer></script>" }.joined(separator: "\n")
        let html = """
            <!doctype html>
            <html lang="pt-BR">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Telefonia</title>
            <link rel="stylesheet" href="/static/panel.css">
            \(tags)
            </head>
            <body>
            \(body)
            </body>
            </html>
            """
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let loginBody = """
        <main class="login">
        <h1>Telefonia em nuvem</h1>
        <form id="login">
        <label>Usuário <input name="username" autocomplete="username" required maxlength="64"></label>
        <label>Senha <input name="password" type="password" autocomplete="current-password" required maxlength="128"></label>
        <button type="submit">Entrar</button>
        <p id="error" class="error" role="alert"></p>
        </form>
        </main>
        """

    /// The menus the user may see (a user without a permission does not get its menu).
    static func panelBody(_ user: PanelUser) -> String {
        let menus: [(PanelFeature, String, String)]
        if user.role == .operator {
            // The operator's own pages; a tenant's pages are the tenant's (the API takes ?tenant=).
            menus = [(.operator, "assinantes", "Assinantes"), (.operator, "troncos", "Troncos"), (.operator, "planos", "Planos"),
                     (.audit, "auditoria", "Auditoria")]
        } else {
            menus = [
                (.reports, "inicio", "Início"),
                (.lines, "ramais", "Ramais"), (.dids, "dids", "Números (DIDs)"), (.calls, "chamadas", "Chamadas em curso"),
                (.ivr, "uras", "URAs"), (.ivr, "horarios", "Horários"), (.groups, "grupos", "Grupos de chamada"),
                (.groups, "captura", "Grupos de captura"), (.queues, "filas", "Filas e consoles"), (.campaigns, "campanhas", "Campanhas"),
                (.rooms, "salas", "Salas de conferência"), (.facilities, "facilidades", "Facilidades"), (.phone, "telefone", "Telefone web"), (.reports, "relatorios", "Relatórios"), (.recordings, "gravacoes", "Gravações"),
                (.audio, "audios", "Áudios"), (.payments, "financeiro", "Financeiro"), (.simulator, "simulador", "Simulador de custos"),
                (.users, "usuarios", "Usuários"), (.settings, "configuracoes", "Configurações gerais"), (.audit, "auditoria", "Auditoria"),
            ]
        }
        // Feature codes (P5) are every user's.
        let codes = user.role == .operator ? [] : [(PanelFeature.calls, "codigos", "Códigos de serviço")]
        let visible = menus.filter { user.may(.view, $0.0) } + codes
        let nav = visible.map { "<a href=\"#\($0.1)\" data-menu=\"\($0.1)\">\(escape($0.2))</a>" }.joined(separator: "\n")
        let sections = visible.map { menu in
            "<section id=\"\(menu.1)\" data-feature=\"\(menu.0.rawValue)\"><h2>\(escape(menu.2))</h2><div class=\"content\">Carregando…</div></section>"
        }.joined(separator: "\n")
        return """
            <header>
            <strong>Telefonia</strong>
            <span class="who">\(escape(user.username))\(user.tenantID.map { " · " + escape($0) } ?? " · operadora")</span>
            <button id="logout" type="button">Sair</button>
            </header>
            <nav>
            \(nav)
            </nav>
            <main id="panel">
            \(sections)
            </main>
            """
    }
}
