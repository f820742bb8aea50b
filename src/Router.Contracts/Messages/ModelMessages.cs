using Akka.Streams;
using Router.Contracts.OpenRouter;

namespace Router.Contracts.Messages;

// Commands to a model actor.

/// <summary>Call the model once (no fallback, no stream) and answer <see cref="Completed"/>, <see cref="AttemptFailed"/> or <see cref="AttemptRejected"/>.</summary>
/// <remarks><c>TraceParent</c>: the attempt's span; the call's span is its child, on whichever node the model actor lives.</remarks>
public sealed record CallModel(ModelId ModelId, string AttemptId, ChatCompletionRequest Request, string? TraceParent = null) : IWithModelId, IRouterMessage;

/// <summary>Stream from the model; answers <see cref="StreamStarted"/> once the first content chunk is in hand.</summary>
public sealed record StartStream(ModelId ModelId, string AttemptId, ChatCompletionRequest Request, string? TraceParent = null) : IWithModelId, IRouterMessage;

/// <summary>The requester gave up: cancel the upstream call. Lost with a dead node as a matter of course, so not logged as a dead letter.</summary>
public sealed record CancelCall(ModelId ModelId, string AttemptId) : IWithModelId, IRouterMessage, Akka.Event.IDeadLetterSuppression;

public sealed record GetModelHealth(ModelId ModelId) : IWithModelId, IRouterMessage;

/// <summary>
/// Is call <see cref="AttemptId"/> still running? Answered with <see cref="CallInProgress"/> when it is; silence means
/// the model actor cannot be reached (its node died and its shard has not moved yet) or the answer is on its way.
/// Such a check lost with a dead node is the expected case it detects, not a dead letter worth a log line.
/// </summary>
public sealed record GetCallStatus(ModelId ModelId, string AttemptId) : IWithModelId, IRouterMessage, Akka.Event.IDeadLetterSuppression;

/// <summary>
/// An outside measurement (test-models) feeding the model's statistics: a call's whole latency, its time to first
/// token (streams) and the completion tokens it produced.
/// </summary>
public sealed record RecordMeasurement(ModelId ModelId, bool Ok, double LatencyMs, UpstreamError? Error,
    double? FirstTokenMs = null, int? CompletionTokens = null) : IWithModelId, IRouterMessage;

// Replies.

public sealed record Completed(string AttemptId, ModelId ModelId, UpstreamCompletion Completion, double LatencyMs) : IRouterMessage;

public sealed record StreamStarted(string AttemptId, ModelId ModelId, ISourceRef<StreamItem> Stream, double FirstTokenMs) : IRouterMessage;

/// <summary>The call is running: the model actor that owns it is reachable. May arrive after its route ended.</summary>
public sealed record CallInProgress(string AttemptId, ModelId ModelId) : IRouterMessage, Akka.Event.IDeadLetterSuppression;

/// <summary>The call was made and failed.</summary>
public sealed record AttemptFailed(string AttemptId, ModelId ModelId, UpstreamError Error) : IRouterMessage;

/// <summary>No call was made: the circuit is open, a probe is in flight, or the model is cooling down until <see cref="RetryAt"/>.</summary>
public sealed record AttemptRejected(string AttemptId, ModelId ModelId, RestReason Reason, DateTimeOffset RetryAt) : IRouterMessage;

/// <summary>An item of a streamed answer: a chunk, or the error that ended the stream after its first token.</summary>
[System.Text.Json.Serialization.JsonPolymorphic(TypeDiscriminatorPropertyName = "$item")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(StreamChunk), "chunk")]
[System.Text.Json.Serialization.JsonDerivedType(typeof(StreamFault), "fault")]
public abstract record StreamItem : IRouterMessage;

public sealed record StreamChunk(UpstreamChunk Chunk) : StreamItem;

public sealed record StreamFault(UpstreamError Error) : StreamItem;

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>What a model actor knows of its model's health.</summary>
public sealed record ModelHealthView(
    ModelId ModelId,
    CircuitState Circuit,
    DateTimeOffset? OpenUntil,
    DateTimeOffset? CooldownUntil,
    RestReason? CooldownReason,
    int ConsecutiveFailures,
    long Successes,
    long Failures,
    double? LatencyEwmaMs,
    string? LastError,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int InFlight,
    string? Node = null,
    ModelPerformance? Performance = null) : IRouterMessage;

/// <summary>
/// A model's measured speed and reliability, as moving averages: time to first token (streams), completion tokens
/// per second, and the share of recent calls that failed through the model's fault. Null: not measured yet.
/// </summary>
public sealed record ModelPerformance(double? FirstTokenMs, double? TokensPerSecond, double? ErrorRate)
{
    public static readonly ModelPerformance None = new(null, null, null);
}

/// <summary>Asks a model actor for its last 15 minutes (<see cref="ModelHistory"/>).</summary>
public sealed record GetModelHistory(ModelId ModelId) : IWithModelId, IRouterMessage;

/// <summary>A model's recent buckets, oldest first, for the health page's charts.</summary>
public sealed record ModelHistory(ModelId ModelId, IReadOnlyList<HistoryPoint> Points) : IRouterMessage;

/// <summary>
/// One bucket of a model's history: calls that succeeded and failed (the model's own failures), latency p50/p95 and
/// mean time to first token (ms; null without calls), and the circuit at its end.
/// </summary>
public sealed record HistoryPoint(DateTimeOffset Start, long Calls, long Failures, double? LatencyP50Ms, double? LatencyP95Ms,
    double? FirstTokenMs, CircuitState Circuit) : IRouterMessage;

