using System.Diagnostics;

namespace Router.Actors.Observability;

/// <summary>
/// Router's spans. A span's context crosses actors (and nodes) as its W3C <c>traceparent</c> inside the message, since
/// an actor's thread carries no request's context. Spans are started without becoming the thread's current activity,
/// so one message's span never leaks into the next message an actor handles. With nobody listening (tracing off)
/// nothing is created.
/// </summary>
public static class RouterTracing
{
    public const string SourceName = "Router";

    public static readonly ActivitySource Source = new(SourceName, typeof(RouterTracing).Assembly.GetName().Version?.ToString());

    /// <summary>The current activity's <c>traceparent</c>, to travel in a message; null when there is none.</summary>
    public static string? CurrentParent => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// A span that is a child of <paramref name="traceParent"/> (a new trace when null or malformed). Under a parent
    /// that is not sampled, no span at all: the caller carries the parent's context on instead.
    /// </summary>
    public static Activity? StartSpan(string name, ActivityKind kind, string? traceParent)
    {
        if (!Source.HasListeners()) return null;
        var previous = Activity.Current;
        // Not "remote": the SDK then makes nothing for a child it does not sample, where under a remote parent it
        // would make a propagation-only span (its cost, for every request not sampled).
        if (!ActivityContext.TryParse(traceParent, null, isRemote: false, out var parent))
            Activity.Current = null; // a root: not whatever the thread last ran
        var span = Source.StartActivity(name, kind, parent);
        Activity.Current = previous;
        return span;
    }

    /// <summary>A span that is a child of <paramref name="parent"/>, not made current.</summary>
    public static Activity? StartChild(string name, ActivityKind kind, Activity? parent)
    {
        if (parent is null) return null;
        var previous = Activity.Current;
        var span = Source.StartActivity(name, kind, parent.Context);
        Activity.Current = previous;
        return span;
    }

    private static readonly AsyncLocal<Activity?> CallSpan = new();

    /// <summary>
    /// The span of the model call whose work runs on this flow (<see cref="Within"/>), for the HTTP calls it makes.
    /// Router's own flow value rather than <see cref="Activity.Current"/>, whose change handler would then run at
    /// every switch between this flow and another.
    /// </summary>
    public static Activity? Call => CallSpan.Value;

    /// <summary>Runs <paramref name="work"/> with <paramref name="span"/> as its <see cref="Call"/>, so that what it starts (an HTTP call) nests under it.</summary>
    public static T Within<T>(Activity? span, Func<T> work)
    {
        if (span is null) return work();
        var previous = CallSpan.Value;
        CallSpan.Value = span;
        try
        {
            return work();
        }
        finally
        {
            CallSpan.Value = previous;
        }
    }

    /// <summary>Ends a span that is not current (ending it leaves the thread's current activity alone).</summary>
    public static void End(Activity? span, ActivityStatusCode status = ActivityStatusCode.Unset, string? description = null)
    {
        if (span is null) return;
        if (status != ActivityStatusCode.Unset) span.SetStatus(status, description);
        var previous = Activity.Current;
        span.Stop();
        Activity.Current = previous;
    }

    /// <summary>Attribute names: the OpenTelemetry GenAI conventions where they have one, <c>router.*</c> otherwise.</summary>
    public static class Tags
    {
        public const string OperationName = "gen_ai.operation.name";
        public const string ProviderName = "gen_ai.provider.name";
        public const string RequestModel = "gen_ai.request.model";
        public const string ResponseModel = "gen_ai.response.model";
        public const string InputTokens = "gen_ai.usage.input_tokens";
        public const string OutputTokens = "gen_ai.usage.output_tokens";
        public const string FinishReasons = "gen_ai.response.finish_reasons";
        public const string InputMessages = "gen_ai.input.messages";
        public const string OutputMessages = "gen_ai.output.messages";
        public const string HttpStatus = "http.response.status_code";
        public const string ErrorType = "error.type";
        public const string RouteId = "router.route_id";
        public const string Sort = "router.sort";
        public const string Stream = "router.stream";
        public const string Attempts = "router.attempts";
        public const string Outcome = "router.attempt.outcome";
        public const string Reason = "router.attempt.reason";
        public const string Rank = "router.attempt.rank";
        public const string Placed = "router.attempt.placed";
        public const string Probe = "router.circuit.probe";
        public const string Retries = "router.retries";
        public const string Cache = "router.cache";
        public const string Quota = "router.quota";
        public const string FirstTokenEvent = "gen_ai.first_token";
    }
}
