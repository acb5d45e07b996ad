/// Everything a PBX server reads and writes, as one type known at compile time:
/// configuration and CDRs (`Store`), what the call engine decides with
/// (`CallDataSource`), rating, rooms, recordings, live views, reports and audio.
/// `SQLStore` and `MemoryStore` are both; a server is built over one, so no
/// capability is discovered (or silently missing) at run time.
public typealias PBXStore = Store & CallDataSource & TariffStore & RatingStore & RoomStore & RecordingStore
    & LiveStore & ReportStore & AudioStore & CallFlowStore & QueueStore & CampaignStore & SettingsStore & PanelStore
    & FacilityStore & JobLeaseStore
