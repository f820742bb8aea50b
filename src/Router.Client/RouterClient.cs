using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Streams;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.Quota;
using Router.Actors.OpenRouter;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Client;

/// <summary>The outcome of <see cref="RouterClient.GenerateResponseAsync"/>: the answer and the model that gave it, or a typed error.</summary>
public sealed record RouterResponse(
    bool Success,
    string? Content,
    ModelId? Model,
    Usage? Tokens,
    UpstreamError? Error,
    IReadOnlyList<AttemptRecord> Attempts,
    ChatCompletionResponse? Completion);

/// <summary>One item of <see cref="RouterClient.GenerateResponseStreamAsync"/>: a piece of content, or the final item (done, tokens, or error).</summary>
public sealed record RouterStreamItem(string? Content, bool Done, ModelId? Model, Usage? Tokens = null, UpstreamError? Error = null);

/// <summary>A routed plain answer: the completion, the model that gave it, the attempts made, and its cost when known.</summary>
public sealed record RoutedCompletion(ChatCompletionResponse Response, ModelId Model, IReadOnlyList<AttemptRecord> Attempts, double? CostUsd);

/// <summary>
/// Router for .NET code running in (or embedding) a cluster member: requests routed by this member's coordinators,
/// with the same checks, daily caps, priority, fallback and streaming semantics as the HTTP front, and the same response
/// cache (when ROUTER_CACHE_TTL is set).
/// </summary>
public sealed class RouterClient(Coordinators coordinators, CatalogReplica catalog, ActorSystem system, DailyLimits limits, RouterMetrics metrics,
    int maxMessages, string clientId, ResponseCache cache, IMaterializer materializer)
{
    /// <summary>The client id of a member's requests when it has no ROUTER_CLIENT_NAME.</summary>
    public const string DefaultClientId = "embedded";

    /// <summary>The client id this member's requests count against in the per-key daily caps and spend.</summary>
    public string ClientId { get; } = clientId;

    /// <summary>The catalog, waiting (up to <paramref name="wait"/>, default 10 s) for the first fetch on a fresh node.</summary>
    public async Task<IReadOnlyList<ModelInfo>> GetAvailableModelsAsync(TimeSpan? wait = null, CancellationToken ct = default)
    {
        await catalog.WaitLoadedAsync(wait ?? TimeSpan.FromSeconds(10), ct);
        return catalog.Current.Models;
    }

    /// <summary>
    /// Routes a plain request, or serves it from the response cache (a cacheable request: temperature 0 or
    /// <c>router.cache</c>; then at no cost); a request Router cannot serve throws <see cref="RouterException"/>.
    /// </summary>
    public async Task<RoutedCompletion> CompleteAsync(ChatCompletionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        request = request with { Stream = null };
        await AdmitAsync(request, ct);
        var lookup = await LookUpAsync(request, stream: false, ct);
        if (lookup?.Answer is CacheHit hit)
            return Stored(hit);
        return await RouteAsync(request, lookup, started, result => result is RouteCompleted c
            ? (new RoutedCompletion(c.Completion.Response, c.Model, c.Attempts, limits.Charge(ClientId, c.Model, c.Completion.Usage)),
                lookup is not null && cache.TryPut(lookup.Key, c))
            : throw Unexpected(result), ct);
    }

    /// <summary>A stored answer (its model and attempts as first served), at no cost: it saved what it cost when first asked.</summary>
    private RoutedCompletion Stored(CacheHit hit)
    {
        var completed = cache.HitOf(hit.Answer).Completed;
        cache.CountSaved(completed.Model, completed.Completion.Usage);
        return new RoutedCompletion(completed.Completion.Response, completed.Model, completed.Attempts, 0);
    }

    /// <summary>
    /// Routes a streamed request: returns once a model has started answering (fallback happens before), with the
    /// model and the attempts; the chunks follow. A failure after the first chunk throws <see cref="RouterException"/>
    /// from the enumeration; cancelling or leaving it cancels the upstream call. A cacheable request may be served a
    /// stored answer's chunks, or follow an identical request's stream, at no cost.
    /// </summary>
    public async Task<RoutedChunks> StreamAsync(ChatCompletionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        request = request with { Stream = true };
        await AdmitAsync(request, ct);
        var lookup = await LookUpAsync(request, stream: true, ct);
        switch (lookup?.Answer)
        {
            case CacheHit hit:
                return Replayed(hit);
            case FlightJoined joined:
                var followed = new RouteStreaming(joined.Stream, joined.Model, "", joined.Attempts);
                return new RoutedChunks(followed, RoutedStream.Shared(followed), materializer, usage =>
                {
                    cache.CountSaved(joined.Model, usage);
                    return 0;
                });
        }
        return await RouteAsync(request, lookup, started, result =>
        {
            if (result is not RouteStreaming s) throw Unexpected(result);
            var routed = coordinators.Open(s);
            // Shared with identical requests while it runs, stored when it ends normally: the flight settles the lead.
            if (lookup is not null) routed = RoutedStream.Shared(cache.Share(lookup.Key, routed, lookup.Leads));
            return (new RoutedChunks(s, routed, materializer, usage => limits.Charge(ClientId, s.Model, usage)), lookup is not null);
        }, ct);
    }

    private async Task<CacheLookup?> LookUpAsync(ChatCompletionRequest request, bool stream, CancellationToken ct) =>
        cache.Enabled && ResponseCache.Cacheable(request) ? await cache.LookUpAsync(request, ClientId, stream, noCache: false, maxAge: null, ct) : null;

    /// <summary>
    /// Routes a request the cache did not serve. <paramref name="answered"/> makes the answer of a route that did not
    /// fail, and says whether it settled the request's cache lead (stored or shared the answer); a lead left unsettled
    /// passes to a waiting identical request.
    /// </summary>
    private async Task<T> RouteAsync<T>(ChatCompletionRequest request, CacheLookup? lookup, long started, Func<RouteResult, (T Answer, bool Settled)> answered,
        CancellationToken ct)
    {
        var stream = request.Stream == true;
        var settled = false;
        try
        {
            var traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;
            var result = await coordinators.RouteAsync(new RouteRequest(request, stream, RouteId: coordinators.NewRouteId(), TraceParent: traceParent), ct);
            metrics.RecordRequest(stream, (result as RouteFailed)?.Error.Kind, Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (result is RouteFailed failed) throw Failure(failed);
            (var answer, settled) = answered(result);
            return answer;
        }
        finally
        {
            if (lookup is { Leads: true } && !settled) cache.Release(lookup.Key);
        }
    }

    private static InvalidOperationException Unexpected(RouteResult result) => new($"Unexpected route result {result.GetType().Name}");

    /// <summary>A stored answer's chunks as first streamed (or, for an answer first served plain, cut into chunks).</summary>
    private RoutedChunks Replayed(CacheHit hit)
    {
        var completed = cache.HitOf(hit.Answer).Completed;
        cache.CountSaved(completed.Model, completed.Completion.Usage);
        var chunks = StreamedAnswer.ChunksOf(hit.Answer);
        var replay = new RouteStreaming(
            new SameNodeSourceRef<StreamItem>(_ => chunks.Select(StreamItem (c) => new StreamChunk(UpstreamChunk.Read(c))).ToAsyncEnumerable()),
            completed.Model, "", completed.Attempts);
        return new RoutedChunks(replay, RoutedStream.Shared(replay), materializer, _ => 0);
    }

    /// <summary>The request's checks and the daily caps, as the HTTP front applies them before its cache and routing.</summary>
    private async Task AdmitAsync(ChatCompletionRequest request, CancellationToken ct)
    {
        if (ChatRequestRules.Validate(request, maxMessages) is { } invalid)
            throw new RouterException(invalid, ErrorClassifier.Of(UpstreamErrorKind.InvalidRequest, invalid.Message, invalid.StatusCode));
        if (await limits.AdmitAsync(ClientId, ct) is { } refused)
            throw new RouterException(refused.Error,
                ErrorClassifier.Of(UpstreamErrorKind.RateLimited, refused.Error.Message, refused.Error.StatusCode) with { RetryAfter = refused.RetryAfter });
    }

    /// <summary>The route's error; a member that is not in a cluster says so, since that is then why it has no catalog.</summary>
    private RouterException Failure(RouteFailed failed)
    {
        var error = OpenAiError.FromUpstream(failed.Error);
        var status = Akka.Cluster.Cluster.Get(system).SelfMember.Status;
        if (!catalog.Current.IsLoaded && status != Akka.Cluster.MemberStatus.Up)
            error = error with
            {
                Message = $"This member has not joined a Router cluster (it is {status}; it joins through ROUTER_SEED_NODES or ROUTER_DISCOVERY: " +
                          "is a router node running and reachable?). " + error.Message,
            };
        return new RouterException(error, failed.Error, failed.Attempts);
    }

    /// <summary>The seed's API over <see cref="CompleteAsync"/>: the answer's text, or the error as a value.</summary>
    public async Task<RouterResponse> GenerateResponseAsync(IReadOnlyList<ChatMessage> messages, string? model = null,
        double temperature = 0.7, int maxTokens = 1024, CancellationToken ct = default)
    {
        try
        {
            var routed = await CompleteAsync(Request(messages, model, temperature, maxTokens), ct);
            var response = routed.Response;
            return new RouterResponse(true, response.Choices?.FirstOrDefault()?.Message?.ContentText, routed.Model, response.Usage, null, routed.Attempts, response);
        }
        catch (RouterException e)
        {
            return new RouterResponse(false, null, null, null, e.Upstream, e.Attempts, null);
        }
    }

    /// <summary>The seed's streaming API over <see cref="StreamAsync"/>: pieces of text, then a final item with the tokens or the error.</summary>
    public async IAsyncEnumerable<RouterStreamItem> GenerateResponseStreamAsync(IReadOnlyList<ChatMessage> messages, string? model = null,
        double temperature = 0.7, int maxTokens = 1024, [EnumeratorCancellation] CancellationToken ct = default)
    {
        RouterException? failed = null;
        RoutedChunks? routed = null;
        try
        {
            routed = await StreamAsync(Request(messages, model, temperature, maxTokens), ct);
        }
        catch (RouterException e)
        {
            failed = e;
        }
        if (routed is null)
        {
            yield return new RouterStreamItem(null, true, null, Error: failed!.Upstream);
            yield break;
        }
        await using var stream = routed;
        await using var chunks = routed.ReadAsync(ct).GetAsyncEnumerator(ct);
        Usage? usage = null;
        while (true)
        {
            try
            {
                if (!await chunks.MoveNextAsync()) break;
            }
            catch (RouterException e)
            {
                failed = e;
                break;
            }
            usage = chunks.Current.Usage ?? usage;
            if (chunks.Current.Choices?.FirstOrDefault()?.Delta?.Content is { Length: > 0 } content)
                yield return new RouterStreamItem(content, false, routed.Model);
        }
        yield return new RouterStreamItem(null, true, routed.Model, usage, failed?.Upstream);
    }

    private static ChatCompletionRequest Request(IReadOnlyList<ChatMessage> messages, string? model, double temperature, int maxTokens) => new()
    {
        Model = model,
        Messages = messages,
        Temperature = temperature,
        MaxTokens = maxTokens,
    };
}
