using Akka.Actor;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Caching;

/// <summary>
/// The cluster's response cache seen from the request path: which requests it serves (those with <c>temperature</c> 0
/// or <c>router.cache: true</c>), their keys, lookups that may wait for an identical request in flight or follow its
/// stream, and the answers it stores (with a finish reason, never an error). The HTTP front and embedded members use
/// it alike.
/// </summary>
public sealed class ResponseCache(IActorRef region, bool enabled, bool perKey, TimeSpan waitLimit, ActorSystem system, FlightSettings flights,
    RouterMetrics metrics, CatalogReplica catalog)
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

    /// <summary>Counts what an answer served from the cache cost when first asked: the upstream spend it saved.</summary>
    public void CountSaved(ModelId model, TokenUsage? usage)
    {
        if (Spend.CostOf(usage, catalog.Current.ById.GetValueOrDefault(model.Value)) is { } saved)
            metrics.CacheSavedUsd.Inc(saved);
    }

    /// <summary>
    /// Looks a cacheable request up, counted in the metrics: a stored answer (<see cref="CacheHit"/>) or, for a
    /// <paramref name="stream"/>, an identical request's stream to follow (<see cref="FlightJoined"/>); otherwise the
    /// key its answer is stored under, and whether this request leads (asks upstream for the identical ones waiting,
    /// and must then store its answer or <see cref="Release"/> the key). <paramref name="noCache"/>: not served from the
    /// cache, still stored. A caller that goes away while waiting leaves the flight, so that the others are not left
    /// waiting on it.
    /// </summary>
    public async Task<CacheLookup> LookUpAsync(ChatCompletionRequest request, string clientId, bool stream, bool noCache, TimeSpan? maxAge,
        CancellationToken ct)
    {
        var key = KeyFor(request, clientId);
        var answer = noCache ? null : await GetAsync(key, maxAge, stream, ct);
        var result = answer switch
        {
            CacheHit hit => new CacheLookup(key, hit, Leads: false),
            FlightJoined joined => new CacheLookup(key, joined, Leads: false),
            _ => new CacheLookup(key, null, Leads: answer is CacheLead),
        };
        metrics.CacheRequests.WithLabels(answer switch
        {
            CacheHit { Coalesced: false } => "hit",
            CacheHit or FlightJoined => "coalesced",
            _ => "miss",
        }).Inc();
        return result;
    }

    private async Task<object> GetAsync(string key, TimeSpan? maxAge, bool stream, CancellationToken ct)
    {
        var askerId = Guid.NewGuid().ToString("N");
        try
        {
            return await region.Ask<object>(new CacheGet(key, maxAge, askerId, stream), waitLimit, ct);
        }
        catch (AskTimeoutException)
        {
            return new CacheBusy(key); // waited as long as a request may: ask upstream
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
}

/// <summary>
/// A cacheable request's lookup: <see cref="Answer"/> (a <see cref="CacheHit"/> or <see cref="FlightJoined"/>) serves
/// it; otherwise it is routed, its answer stored under <see cref="Key"/>.
/// </summary>
public sealed record CacheLookup(string Key, object? Answer, bool Leads);
