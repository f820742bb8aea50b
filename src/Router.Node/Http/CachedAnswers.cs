using Akka.Streams;
using Microsoft.Net.Http.Headers;
using Router.Actors.Caching;
using Router.Actors.Routing;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.Node.Security;

namespace Router.Node.Http;

/// <summary>
/// A chat request meeting the response cache: served from a stored answer or from an identical request in flight, or
/// let through to be routed with its key (and the lead, when it is the one asking upstream for everybody).
/// </summary>
public static class CachedAnswers
{
    public static async Task<(bool Served, string? Key, bool Leads)> TryServeAsync(HttpContext http, ChatCompletionRequest request, ChatServices chat)
    {
        var (cache, metrics) = (chat.Cache, chat.Metrics);
        if (!cache.Enabled || !ResponseCache.Cacheable(request)) return (false, null, false);
        var control = Control(http.Request);
        if (control.NoStore)
        {
            http.Response.Headers["X-Router-Cache"] = "BYPASS";
            metrics.CacheRequests.WithLabels("bypass").Inc();
            return (false, null, false);
        }

        http.Response.Headers["X-Router-Cache"] = "MISS";
        var stream = request.Stream == true;
        var lookup = await cache.LookUpAsync(request, http.ClientId(), stream, control.NoCache, control.MaxAge, http.RequestAborted);
        switch (lookup.Answer)
        {
            case CacheHit hit:
                await WriteStoredAsync(http, hit, stream, cache);
                return (true, lookup.Key, false);
            case FlightJoined joined:
                await FollowAsync(http, joined, chat.Lifetime, chat.Materializer, cache);
                return (true, lookup.Key, false);
        }
        return (false, lookup.Key, lookup.Leads);
    }

    /// <summary>The request's <c>Cache-Control</c>; a header that does not parse is ignored (RFC 9111).</summary>
    private static (bool NoCache, bool NoStore, TimeSpan? MaxAge) Control(HttpRequest request) =>
        CacheControlHeaderValue.TryParse(request.Headers.CacheControl.ToString(), out var control) && control is not null
            ? (control.NoCache, control.NoStore, control.MaxAge)
            : (false, false, null);

    /// <summary>
    /// A stored answer: its model and attempts as first served, its age, and no cost (no upstream call). A stream gets
    /// the answer's chunks as first streamed (or, for an answer first served plain, cut into chunks).
    /// </summary>
    private static Task WriteStoredAsync(HttpContext http, CacheHit hit, bool stream, ResponseCache cache)
    {
        var status = hit.Coalesced ? "COALESCED" : "HIT";
        http.Response.Headers["X-Router-Cache"] = status;
        var age = Math.Max(0, (DateTimeOffset.UtcNow - hit.Answer.StoredAt).TotalSeconds);
        http.Response.Headers.Age = ((long)age).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var served = cache.HitOf(hit.Answer);
        var completed = served.Completed;
        cache.CountSaved(completed.Model, completed.Completion.Usage);
        if (stream) return SseResponse.ReplayAsync(http, completed, StreamedAnswer.ChunksOf(hit.Answer));
        if (hit.Coalesced) return ChatEndpoints.WriteCompletionAsync(http, completed, 0, "coalesced");
        ChatEndpoints.SetRouterHeaders(http, completed);
        http.Response.Headers["X-Router-Cost"] = "0";
        return ChatEndpoints.WriteBodyAsync(http, served.Body);
    }

    /// <summary>An identical request's stream, read as it arrives: the chunks so far, then the rest.</summary>
    private static async Task FollowAsync(HttpContext http, FlightJoined joined, IHostApplicationLifetime lifetime, IMaterializer materializer,
        ResponseCache cache)
    {
        http.Response.Headers["X-Router-Cache"] = "COALESCED";
        http.Response.Headers.Age = "0";
        using var cancellation = ChatEndpoints.StreamCancellation(http, lifetime);
        var shared = RoutedStream.Shared(new RouteStreaming(joined.Stream, joined.Model, "", joined.Attempts));
        await SseResponse.WriteAsync(http, shared, materializer, cancellation.Token, usage => cache.CountSaved(joined.Model, usage));
    }
}
