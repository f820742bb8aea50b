using Akka.Streams;

namespace Router.Contracts.Messages;

/// <summary>Routes a message to the cache bucket that holds <see cref="CacheKey"/>.</summary>
public interface IWithCacheKey
{
    string CacheKey { get; }
}

/// <summary>
/// A cached answer: the upstream's JSON as served, the model that gave it, the attempts that led to it, and when it
/// was stored (its age is served in the <c>Age</c> header). An answer that was streamed also keeps its
/// <see cref="Chunks"/> as sent, to be replayed with the same boundaries; its <see cref="Completion"/> is then the
/// chunks folded into one answer, for plain requests.
/// </summary>
public sealed record CachedAnswer(byte[] Completion, ModelId Model, IReadOnlyList<AttemptRecord> Attempts, DateTimeOffset StoredAt,
    IReadOnlyList<byte[]>? Chunks = null) : IRouterMessage
{
    [System.Text.Json.Serialization.JsonIgnore]
    public long Bytes => Completion.Length + (Chunks?.Sum(c => (long)c.Length) ?? 0);
}

/// <summary>
/// Look up an answer no older than <see cref="MaxAge"/>. Answered <see cref="CacheHit"/>, or <see cref="CacheLead"/>:
/// nobody is asking upstream for it, so the asker does and then puts or releases it; an asker that arrives while
/// another leads waits for the leader's answer (coalescing), up to the bucket's bound of waiters, past which it is
/// told <see cref="CacheBusy"/> and asks upstream on its own. An asker that wants a <see cref="Stream"/> while the
/// leader's answer streams follows that stream instead: the stream answers it <see cref="FlightJoined"/>.
/// </summary>
public sealed record CacheGet(string CacheKey, TimeSpan? MaxAge, string AskerId = "", bool Stream = false) : IWithCacheKey, IRouterMessage;

/// <summary>
/// The asker <see cref="AskerId"/> went away (its client disconnected): it stops waiting, or hands the lead on, rather
/// than leave the others waiting on an answer that will not come.
/// </summary>
public sealed record CacheLeave(string CacheKey, string AskerId) : IWithCacheKey, IRouterMessage;

public sealed record CacheHit(CachedAnswer Answer, bool Coalesced) : IRouterMessage;

public sealed record CacheLead(string CacheKey) : IRouterMessage;

public sealed record CacheBusy(string CacheKey) : IRouterMessage;

/// <summary>Store an answer (from the leader, or from a request that skipped the lookup); waiters get it.</summary>
public sealed record CachePut(string CacheKey, CachedAnswer Answer) : IWithCacheKey, IRouterMessage;

/// <summary>
/// The leader's answer streams from the sender (a flight on the leader's node): askers for a stream are sent to it.
/// The flight puts the answer when the stream ends normally, else its end hands the lead on.
/// </summary>
public sealed record CacheStreamOpen(string CacheKey) : IWithCacheKey, IRouterMessage;

/// <summary>Asks a streaming flight for its chunks: those so far, then the rest as they come.</summary>
public sealed record JoinFlight(string CacheKey) : IRouterMessage;

/// <summary>A flight's chunks for one follower, with the model and attempts of the leader's route.</summary>
public sealed record FlightJoined(ISourceRef<StreamItem> Stream, ModelId Model, IReadOnlyList<AttemptRecord> Attempts) : IRouterMessage;

/// <summary>The leader got no cacheable answer: one waiter leads instead.</summary>
public sealed record CacheRelease(string CacheKey) : IWithCacheKey, IRouterMessage;

/// <summary>Answers a bucket no longer keeps (expired, evicted, purged): journaled when answers are persisted.</summary>
public sealed record CacheDropped(IReadOnlyList<string> Keys) : IRouterMessage;

/// <summary>Every answer a bucket keeps, as the puts that stored them.</summary>
public sealed record CacheSnapshot(IReadOnlyList<CachePut> Entries) : IRouterMessage;

/// <summary>Drop every answer of the bucket <see cref="CacheKey"/> names (two hex digits); answered <see cref="CachePurged"/>.</summary>
public sealed record CachePurge(string CacheKey) : IWithCacheKey, IRouterMessage;

public sealed record CachePurged(int Left) : IRouterMessage;
