using Akka.Actor;
using Akka.Streams;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Observability;
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
        var (cache, metrics, catalog) = (chat.Cache, chat.Metrics, chat.Catalog);
        if (!cache.Enabled || !ResponseCache.Cacheable(request)) return (false, null, false);
        var control = ResponseCache.Control(http.Request);
        if (control.NoStore)
        {
            http.Response.Headers["X-Router-Cache"] = "BYPASS";
            metrics.CacheRequests.WithLabels("bypass").Inc();
            return (false, null, false);
        }

        var key = cache.KeyFor(request, http.ClientId());
        http.Response.Headers["X-Router-Cache"] = "MISS";
        var leads = false;
        if (!control.NoCache)
        {
            var stream = request.Stream == true;
            object answer;
            try
            {
                answer = await cache.GetAsync(key, control.MaxAge, stream, http.RequestAborted);
            }
            catch (AskTimeoutException)
            {
                answer = new CacheBusy(key); // waited as long as a request may: ask upstream
            }
            switch (answer)
            {
                case CacheHit hit:
                    metrics.CacheRequests.WithLabels(hit.Coalesced ? "coalesced" : "hit").Inc();
                    await WriteStoredAsync(http, hit, stream, cache, catalog, metrics);
                    return (true, key, false);
                case FlightJoined joined:
                    metrics.CacheRequests.WithLabels("coalesced").Inc();
                    await FollowAsync(http, joined, chat.Lifetime, chat.Materializer, catalog, metrics);
                    return (true, key, false);
                case CacheLead:
                    leads = true;
                    break;
            }
        }
        metrics.CacheRequests.WithLabels("miss").Inc();
        return (false, key, leads);
    }

    /// <summary>
    /// A stored answer: its model and attempts as first served, its age, and no cost (no upstream call). A stream gets
    /// the answer's chunks as first streamed (or, for an answer first served plain, cut into chunks).
    /// </summary>
    private static Task WriteStoredAsync(HttpContext http, CacheHit hit, bool stream, ResponseCache cache, CatalogReplica catalog, RouterMetrics metrics)
    {
        var status = hit.Coalesced ? "COALESCED" : "HIT";
        http.Response.Headers["X-Router-Cache"] = status;
        var age = Math.Max(0, (DateTimeOffset.UtcNow - hit.Answer.StoredAt).TotalSeconds);
        http.Response.Headers.Age = ((long)age).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var served = cache.HitOf(hit.Answer);
        var completed = served.Completed;
        if (Spend.CostOf(completed.Completion.Usage, catalog.Current.ById.GetValueOrDefault(completed.Model.Value)) is { } saved)
            metrics.CacheSavedUsd.Inc(saved);
        if (stream) return SseResponse.ReplayAsync(http, completed, hit.Answer.Chunks ?? StreamedAnswer.Chunks(hit.Answer.Completion));
        if (hit.Coalesced) return ChatEndpoints.WriteCompletionAsync(http, completed, 0, "coalesced");
        ChatEndpoints.SetRouterHeaders(http, completed);
        http.Response.Headers["X-Router-Cost"] = "0";
        return ChatEndpoints.WriteBodyAsync(http, served.Body);
    }

    /// <summary>An identical request's stream, read as it arrives: the chunks so far, then the rest.</summary>
    private static async Task FollowAsync(HttpContext http, FlightJoined joined, IHostApplicationLifetime lifetime, IMaterializer materializer,
        CatalogReplica catalog, RouterMetrics metrics)
    {
        http.Response.Headers["X-Router-Cache"] = "COALESCED";
        http.Response.Headers.Age = "0";
        using var cancellation = ChatEndpoints.StreamCancellation(http, lifetime);
        var shared = RoutedStream.Shared(new RouteStreaming(joined.Stream, joined.Model, "", joined.Attempts));
        await SseResponse.WriteAsync(http, shared, materializer, cancellation.Token, usage =>
        {
            if (Spend.CostOf(usage, catalog.Current.ById.GetValueOrDefault(joined.Model.Value)) is { } saved) metrics.CacheSavedUsd.Inc(saved);
        });
    }
}
