using System.Collections.Frozen;
using Router.Contracts.Messages;

namespace Router.Contracts.Serialization;

/// <summary>
/// The fixed manifest of every message, written beside its bytes in the journal, the snapshot store and on the wire:
/// the serializer looks a message's type up here, so a type or namespace can be renamed without breaking stored
/// data. Never change a manifest once data with it may exist; a new message gets a new one (a test pins them all).
/// </summary>
public static class MessageManifests
{
    public static readonly FrozenDictionary<Type, string> ByType = new Dictionary<Type, string>
    {
        // Persisted: in journals and snapshot stores.
        [typeof(CatalogSnapshot)] = "catalog-snapshot",
        [typeof(CircuitClosed)] = "circuit-closed",
        [typeof(CircuitOpened)] = "circuit-opened",
        [typeof(CooldownStarted)] = "cooldown-started",
        [typeof(ModelHealthSnapshot)] = "model-health-snapshot",
        [typeof(PersistenceChecked)] = "persistence-checked",
        [typeof(QuotaSnapshot)] = "quota-snapshot",
        [typeof(QuotaUsed)] = "quota-used",
        // Sent between nodes.
        [typeof(AttemptFailed)] = "attempt-failed",
        [typeof(AttemptRecord)] = "attempt-record",
        [typeof(AttemptRejected)] = "attempt-rejected",
        [typeof(CallInProgress)] = "call-in-progress",
        [typeof(CancelCall)] = "cancel-call",
        [typeof(CancelRoute)] = "cancel-route",
        [typeof(CatalogRefreshAnswer)] = "catalog-refresh-answer",
        [typeof(CatalogUpdated)] = "catalog-updated",
        [typeof(CallModel)] = "complete",
        [typeof(Completed)] = "completed",
        [typeof(GetModelHistory)] = "get-model-history",
        [typeof(ModelHistory)] = "model-history",
        [typeof(HistoryPoint)] = "history-point",
        [typeof(CacheGet)] = "cache-get",
        [typeof(CacheHit)] = "cache-hit",
        [typeof(CacheLead)] = "cache-lead",
        [typeof(CacheBusy)] = "cache-busy",
        [typeof(CachePut)] = "cache-put",
        [typeof(CacheRelease)] = "cache-release",
        [typeof(CacheLeave)] = "cache-leave",
        [typeof(CachePurge)] = "cache-purge",
        [typeof(CachePurged)] = "cache-purged",
        [typeof(CachedAnswer)] = "cached-answer",
        [typeof(CacheStreamOpen)] = "cache-stream-open",
        [typeof(CacheDropped)] = "cache-dropped",
        [typeof(CacheSnapshot)] = "cache-snapshot",
        [typeof(JoinFlight)] = "join-flight",
        [typeof(FlightJoined)] = "flight-joined",
        [typeof(ConsumeQuota)] = "consume-quota",
        [typeof(CheckQuota)] = "check-quota",
        [typeof(AddToQuota)] = "add-to-quota",
        [typeof(GetCallStatus)] = "get-call-status",
        [typeof(GetCatalog)] = "get-catalog",
        [typeof(GetModelHealth)] = "get-model-health",
        [typeof(ModelHealthView)] = "model-health-view",
        [typeof(QuotaDenied)] = "quota-denied",
        [typeof(QuotaGranted)] = "quota-granted",
        [typeof(RecordMeasurement)] = "record-measurement",
        [typeof(RefreshCatalog)] = "refresh-catalog",
        [typeof(ReleaseQuota)] = "release-quota",
        [typeof(RouteCompleted)] = "route-completed",
        [typeof(RouteFailed)] = "route-failed",
        [typeof(RouteRequest)] = "route-request",
        [typeof(RouteStreaming)] = "route-streaming",
        [typeof(StartStream)] = "start-stream",
        [typeof(StreamChunk)] = "stream-chunk",
        [typeof(StreamFault)] = "stream-fault",
        [typeof(StreamStarted)] = "stream-started",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<string, Type> ByManifest = ByType.ToFrozenDictionary(p => p.Value, p => p.Key);

    /// <summary>Data written before this table named its type by the CLR name; it still reads.</summary>
    public static readonly FrozenDictionary<string, Type> ByLegacyName = ByType.Keys.ToFrozenDictionary(t => t.Name, t => t);
}
