using Akka.Actor;
using Microsoft.Net.Http.Headers;
using Router.Actors.Caching;
using Router.Actors.Routing;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Node.Http;

/// <summary>
/// The cluster's response cache seen from the request path: which requests it serves (those with <c>temperature</c> 0
/// or <c>router.cache: true</c>), their keys, lookups that may wait for an identical request in flight or follow its
/// stream, and the answers it stores (with a finish reason, never an error).
/// </summary>
public sealed class ResponseCache(IActorRef region, bool enabled, bool perKey, TimeSpan waitLimit, ActorSystem system, FlightSettings flights)
{
    public bool Enabled => enabled;

    public static bool Cacheable(ChatCompletionRequest request) => request.Temperature == 0 || request.RouterOptions?.Cache == true;

    public string KeyFor(ChatCompletionRequest request, string clientId) => CacheKey.For(request, perKey ? clientId : null);

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CachedAnswer, Served> _served = new();

    /// <summary>
    /// An answer as a hit serves it (its body with the <c>router</c> object), made once per stored answer on this node
    /// rather than per hit; forgotten with the answer.
    /// </summary>
    public Served HitOf(CachedAnswer answer) => _served.GetValue(answer, a =>
    {
        var completed = new RouteCompleted(UpstreamCompletion.Read(a.Completion), a.Model, a.Attempts);
        return new Served(completed, completed.Completion.ServedWith(new RouterInfo(a.Model.Value, a.Attempts, 0, "hit")));
    });

    public sealed record Served(RouteCompleted Completed, byte[] Body);

    /// <summary>
    /// <see cref="CacheHit"/>, <see cref="CacheLead"/>, <see cref="CacheBusy"/>, or for a <paramref name="stream"/>
    /// <see cref="FlightJoined"/>. A caller that goes away while waiting leaves the flight, so that the others are not
    /// left waiting on it.
    /// </summary>
    public async Task<object> GetAsync(string key, TimeSpan? maxAge, bool stream, CancellationToken ct)
    {
        var askerId = Guid.NewGuid().ToString("N");
        try
        {
            return await region.Ask<object>(new CacheGet(key, maxAge, askerId, stream), waitLimit, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            region.Tell(new CacheLeave(key, askerId));
            throw;
        }
    }

    /// <summary>Stores a plain answer that finished (a finish reason on every choice).</summary>
    public bool TryPut(string key, RouteCompleted completed)
    {
        if (completed.Completion.Response.Choices is not { Count: > 0 } choices || choices.Any(c => c.FinishReason is null)) return false;
        region.Tell(new CachePut(key, new CachedAnswer(completed.Completion.Json.ToArray(), completed.Model, completed.Attempts, DateTimeOffset.UtcNow)));
        return true;
    }

    public void Release(string key) => region.Tell(new CacheRelease(key));

    /// <summary>
    /// Stores the stream when it ends normally, and when the request <paramref name="leads"/> shares it with identical
    /// requests (those waiting, and those arriving while it runs); returns the requester's own view of it.
    /// </summary>
    public RouteStreaming Share(string key, RoutedStream stream, bool leads) => StreamFlightActor.Start(system, key, stream, region, flights, leads);

    /// <summary>Drops every cached answer in the cluster (every bucket); how many buckets answered.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var buckets = Enumerable.Range(0, 256).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        var answers = await Task.WhenAll(buckets.Select(b => region.Ask<CachePurged>(new CachePurge(b), TimeSpan.FromSeconds(10), ct)));
        return answers.Length;
    }

    /// <summary>The request's <c>Cache-Control</c>; a header that does not parse is ignored (RFC 9111).</summary>
    public static (bool NoCache, bool NoStore, TimeSpan? MaxAge) Control(HttpRequest request) =>
        CacheControlHeaderValue.TryParse(request.Headers.CacheControl.ToString(), out var control) && control is not null
            ? (control.NoCache, control.NoStore, control.MaxAge)
            : (false, false, null);
}
