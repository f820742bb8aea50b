namespace Router.Contracts.Messages;

/// <summary>
/// What a model actor writes to its journal: only transitions that must survive a restart (counters live in
/// snapshots). Recovery applies these and nothing else; anything else in the journal is an error.
/// </summary>
public interface IModelEvent : IRouterMessage;

public sealed record CircuitOpened(DateTimeOffset At, DateTimeOffset Until, int Opens, string Reason) : IModelEvent;

public sealed record CircuitClosed(DateTimeOffset At) : IModelEvent;

/// <summary>The model rests until <see cref="Until"/>: rate limited (429), or unavailable (404/unknown).</summary>
public sealed record CooldownStarted(DateTimeOffset At, DateTimeOffset Until, RestReason Reason, bool RateLimited) : IModelEvent;

/// <summary>A model actor's whole persisted state.</summary>
public sealed record ModelHealthSnapshot(
    CircuitState Circuit,
    DateTimeOffset? OpenUntil,
    int Opens,
    DateTimeOffset? CooldownUntil,
    RestReason? CooldownReason,
    int RateLimitStreak,
    long Successes,
    long Failures,
    double? LatencyEwmaMs,
    string? LastError,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    ModelPerformance? Performance = null) : IRouterMessage;

/// <summary>Written (and deleted) once at start-up to prove the journal works.</summary>
public sealed record PersistenceChecked(DateTimeOffset At) : IRouterMessage;
