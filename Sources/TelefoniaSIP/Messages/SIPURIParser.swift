import COSIP

/// Parses a URI on its own (a stored Contact, a configured address) with libosip2.
public enum SIPURIParser {
    public static func parse(_ text: String) -> SIPURI? {
        guard text.utf8.count <= SIPParser.maxLineLength else { return nil }
        _ = SIPParser.initialized
        var uri: UnsafeMutablePointer<osip_uri_t>?
        guard tel_osip_uri_parse(text, &uri) == 0, let uri else { return nil }
        defer { tel_osip_uri_free(uri) }
        return SIPParser.sipURI(uri)
    }
}
