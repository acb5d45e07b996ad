import TelefoniaCore
import TelefoniaMedia

/// The audio library already answers `prompt(named:tenantID:)`: tenants' own files
/// first, then the default prompt set.
extension AudioLibrary: PromptProvider {}
