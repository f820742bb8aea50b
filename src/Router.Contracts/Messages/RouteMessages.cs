using Akka.Streams;
using Router.Contracts.OpenRouter;

namespace Router.Contracts.Messages;

/// <summary>
/// Route one chat request: try candidates in priority order with fallback. <see cref="Strict"/>: only the requested
/// model, no fallback (test-models). <see cref="RouteId"/> names the route for <see cref="CancelRoute"/> and the logs
/// (unique in the cluster: the model actors key their calls by it); the coordinator makes one up when it is null.
/// </summary>
/// <param name="TraceParent">The W3C trace context of the sender's span: the route's spans continue its trace.</param>
public sealed record RouteRequest(ChatCompletionRequest Request, bool Stream, bool Strict = false, string? RouteId = null, string? TraceParent = null) : IRouterMessage;

/// <summary>The caller went away: stop routing and cancel the call in flight.</summary>
public sealed record CancelRoute(string RouteId) : IRouterMessage;

/// <summary>The <c>router</c> field added to completions: the model used, every step taken, and what the answer cost (USD) when known.</summary>
public sealed record RouterInfo(string Model, IReadOnlyList<AttemptRecord> Attempts, double? CostUsd = null, string? Cache = null);

/// <summary>
/// One step of a route: a model tried, skipped or rejected, and why; with its place in the request's plan
/// (<see cref="Rank"/>, 1 first) and why it stood there (<see cref="Placed"/>: the strategy and its measure).
/// </summary>
public sealed record AttemptRecord(ModelId Model, AttemptOutcome Outcome, string? Reason, int? StatusCode, double ElapsedMs,
    int? Rank = null, string? Placed = null) : IRouterMessage;

public abstract record RouteResult : IRouterMessage
{
    public abstract IReadOnlyList<AttemptRecord> Attempts { get; }
}

public sealed record RouteCompleted(UpstreamCompletion Completion, ModelId Model, IReadOnlyList<AttemptRecord> Attempts) : RouteResult
{
    public override IReadOnlyList<AttemptRecord> Attempts { get; } = Attempts;
}

/// <summary>A stream from <see cref="Model"/>; <see cref="AttemptId"/> names its call for <see cref="CancelCall"/>.</summary>
public sealed record RouteStreaming(ISourceRef<StreamItem> Stream, ModelId Model, string AttemptId, IReadOnlyList<AttemptRecord> Attempts) : RouteResult
{
    public override IReadOnlyList<AttemptRecord> Attempts { get; } = Attempts;
}

/// <summary>Routing gave up. <see cref="Error"/> is the deciding failure (the last, or the first non-fallback one).</summary>
public sealed record RouteFailed(UpstreamError Error, IReadOnlyList<AttemptRecord> Attempts) : RouteResult
{
    public override IReadOnlyList<AttemptRecord> Attempts { get; } = Attempts;
}
