using Router.Contracts;
using System.Text.Json;
using Router.Contracts.Messages;

namespace Router.Node.Http;

internal static class HttpResults
{
    public static JsonSerializerOptions Json => Router.Contracts.RouterJson.Default;

    /// <summary><c>X-Router-Attempts</c>: the upstream calls a route made (skipped and rejected models made none).</summary>
    public static void SetAttemptsHeader(HttpContext http, IReadOnlyList<AttemptRecord> attempts) =>
        http.Response.Headers["X-Router-Attempts"] = attempts.Count(a => a.Outcome is AttemptOutcome.Ok or AttemptOutcome.Failed).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static Task WriteErrorAsync(HttpContext http, OpenAiError error, IReadOnlyList<AttemptRecord>? attempts = null, TimeSpan? retryAfter = null)
    {
        http.Response.StatusCode = error.StatusCode;
        if (retryAfter is { } wait)
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (attempts is not null)
            SetAttemptsHeader(http, attempts);
        return http.Response.WriteAsJsonAsync(new { error, attempts }, Json);
    }
}
