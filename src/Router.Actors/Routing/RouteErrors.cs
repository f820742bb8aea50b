using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>The errors a route answers with when no model's own error says it better.</summary>
internal static class RouteErrors
{
    public const string NotInCatalog = "not in catalog";

    public static readonly UpstreamError HostStopped = ErrorClassifier.Of(UpstreamErrorKind.Network, "Router coordinator stopped", 503);

    public static UpstreamError Unreachable(ModelId model, TimeSpan after) => ErrorClassifier.Of(UpstreamErrorKind.Network,
        $"the model's actor did not answer within {after.TotalSeconds:0.#} s (its node may be down)", 503, model.Value);

    public static UpstreamError TimedOut(ModelId model, TimeSpan timeout) => ErrorClassifier.Of(UpstreamErrorKind.Timeout,
        $"no answer within {timeout.TotalSeconds:0.#} s", 408, model.Value);

    public static UpstreamError Resting(ModelId model, RestReason reason, DateTimeOffset until, DateTimeOffset now)
    {
        var rateLimited = reason == RestReason.RateLimited;
        return ErrorClassifier.Of(rateLimited ? UpstreamErrorKind.RateLimited : UpstreamErrorKind.ModelUnavailable,
            $"{model}: {reason.Text()} until {until:O}", rateLimited ? 429 : 503, model.Value) with { RetryAfter = until - now };
    }

    public static UpstreamError Deadline(TimeSpan timeout, UpstreamError? last) => ErrorClassifier.Of(UpstreamErrorKind.Timeout,
        $"Routing gave up after {timeout.TotalSeconds:0.#} s" + (last is null ? "" : $"; last error: {last.Message}"), 504);

    public static UpstreamError Crash(Exception e) => ErrorClassifier.Of(UpstreamErrorKind.Internal, "Router internal error: " + e.Message, 500);

    public static UpstreamError EveryCandidateResting(bool rateLimited, TimeSpan retryAfter) =>
        ErrorClassifier.Of(rateLimited ? UpstreamErrorKind.RateLimited : UpstreamErrorKind.ModelUnavailable,
            "Every candidate model is resting", rateLimited ? 429 : 503) with { RetryAfter = retryAfter };

    /// <summary>
    /// No call was made: nothing to try at all, the request's constraints ruled out every model (which ones, and how
    /// many each), or only ids outside the catalog (the client's errors).
    /// </summary>
    public static UpstreamError NothingTried(IReadOnlyList<AttemptRecord> attempts, IReadOnlyDictionary<string, int> refused)
    {
        if (refused.Count > 0 && attempts.All(a => a.Outcome == AttemptOutcome.Skipped))
            return ErrorClassifier.Of(UpstreamErrorKind.NoCandidate, "No model meets the request's constraints: " +
                string.Join("; ", refused.OrderByDescending(r => r.Value).Select(r => $"{r.Key}: {r.Value} model{(r.Value == 1 ? "" : "s")}")), 400);
        if (attempts.Count == 0)
            return ErrorClassifier.Of(UpstreamErrorKind.ModelUnavailable, "No model to try: the request names none and the catalog is empty", 503);
        var unknown = attempts.Where(a => a.Reason == NotInCatalog).Select(a => a.Model.Value).ToList();
        if (unknown.Count < attempts.Count)
            return ErrorClassifier.Of(UpstreamErrorKind.ModelUnavailable, "No model could serve the request", 503);
        var names = string.Join(", ", unknown.Take(5).Select(m => $"'{m}'")) + (unknown.Count > 5 ? ", ..." : "");
        return ErrorClassifier.Of(UpstreamErrorKind.UnknownModel,
            $"{(unknown.Count == 1 ? "The model" : "The models")} {names} {(unknown.Count == 1 ? "is not a valid model id" : "are not valid model ids")}: not in the catalog", 400);
    }
}
