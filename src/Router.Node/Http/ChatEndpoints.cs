using Akka.Actor;
using Akka.Streams;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.Quota;
using Router.Actors.Routing;
using Router.Node.Security;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.Node.Configuration;

namespace Router.Node.Http;

/// <summary><c>POST /v1/chat/completions</c> and <c>/api/v1/chat/completions</c>: routed, with fallback, plain or SSE.</summary>
public static class ChatEndpoints
{
    public static void MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", HandleAsync);
        app.MapPost("/api/v1/chat/completions", HandleAsync);
    }

    private static async Task HandleAsync(HttpContext http, Coordinators coordinators, RouterSettings settings,
        IHostApplicationLifetime lifetime, IMaterializer materializer, QuotaGate quota, BudgetGate budget, RouterMetrics metrics, CatalogReplica catalog,
        ResponseCache cache)
    {
        var (request, invalid) = await ChatRequestReader.ReadAsync(http.Request, settings.MaxMessages, http.RequestAborted);
        if (invalid is not null || request is null)
        {
            if (!http.RequestAborted.IsCancellationRequested) // a client gone while sending has nobody to answer
                await HttpResults.WriteErrorAsync(http, invalid ?? OpenAiError.BadRequest("Request body is required"));
            return;
        }

        if (quota.Enabled && await quota.TryConsumeAsync(http.ClientId(), http.RequestAborted) is QuotaDecision.Refused refused)
        {
            var message = $"Daily request cap reached ({refused.Scope}: {refused.Cap} requests per UTC day); resets at {refused.ResetAt:O}";
            await HttpResults.WriteErrorAsync(http, new OpenAiError(message, "rate_limit_error", null, "daily_cap_reached", 429, null, false, true),
                retryAfter: refused.ResetAt - DateTimeOffset.UtcNow);
            return;
        }

        if (budget.Enabled && await budget.CheckAsync(http.ClientId(), http.RequestAborted) is QuotaDecision.Refused spent)
        {
            var message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Daily spend budget reached ({spent.Scope}: {spent.Cap} USD per UTC day); resets at {spent.ResetAt:O}");
            await HttpResults.WriteErrorAsync(http, new OpenAiError(message, "rate_limit_error", null, "daily_budget_reached", 429, null, false, true),
                retryAfter: spent.ResetAt - DateTimeOffset.UtcNow);
            return;
        }

        // The response cache, for cacheable requests: a stored answer, or one in flight for an identical request.
        string? cacheKey = null;
        var leads = false;
        var stream = request.Stream == true;
        if (cache.Enabled && ResponseCache.Cacheable(request))
        {
            var control = ResponseCache.Control(http.Request);
            if (control.NoStore)
            {
                http.Response.Headers["X-Router-Cache"] = "BYPASS";
                metrics.CacheRequests.WithLabels("bypass").Inc();
            }
            else
            {
                cacheKey = cache.KeyFor(request, http.ClientId());
                http.Response.Headers["X-Router-Cache"] = "MISS";
                if (!control.NoCache)
                {
                    object answer;
                    try
                    {
                        answer = await cache.GetAsync(cacheKey, control.MaxAge, stream, http.RequestAborted);
                    }
                    catch (AskTimeoutException)
                    {
                        answer = new CacheBusy(cacheKey); // waited as long as a request may: ask upstream
                    }
                    switch (answer)
                    {
                        case CacheHit hit:
                            metrics.CacheRequests.WithLabels(hit.Coalesced ? "coalesced" : "hit").Inc();
                            await WriteCachedAsync(http, hit, stream, cache, catalog, metrics);
                            return;
                        case FlightJoined joined:
                            metrics.CacheRequests.WithLabels("coalesced").Inc();
                            await FollowAsync(http, joined, lifetime, materializer, catalog, metrics);
                            return;
                        case CacheLead:
                            leads = true;
                            break;
                    }
                }
                metrics.CacheRequests.WithLabels("miss").Inc();
            }
        }
        try
        {
            await RouteAsync(http, request, coordinators, lifetime, materializer, budget, metrics, catalog, cache, cacheKey, leads);
        }
        finally
        {
            // Whatever became of it, a leader that stored nothing (nor handed its stream to a flight) hands the lead to a waiter.
            if (leads && http.Items[StoredKey] is null) cache.Release(cacheKey!);
        }
    }

    private const string StoredKey = "router.cache.stored";

    private static async Task RouteAsync(HttpContext http, ChatCompletionRequest request, Coordinators coordinators, IHostApplicationLifetime lifetime,
        IMaterializer materializer, BudgetGate budget, RouterMetrics metrics, CatalogReplica catalog, ResponseCache cache, string? cacheKey, bool leads)
    {
        // A client that goes away cancels the route and its upstream call. A plain request in flight when the node
        // stops is allowed to finish (Kestrel drains before the actor system stops); streams are cut, with an error event.
        var stream = request.Stream == true;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var cancellation = stream ? StreamCancellation(http, lifetime) : null;
        var ct = cancellation?.Token ?? http.RequestAborted;
        RouteResult result;
        try
        {
            result = await coordinators.RouteAsync(new RouteRequest(request, Stream: stream), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (!http.RequestAborted.IsCancellationRequested)
                await HttpResults.WriteErrorAsync(http, ShuttingDown);
            return;
        }

        metrics.RecordRequest(stream, (result as RouteFailed)?.Error.Kind, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        switch (result)
        {
            case RouteCompleted completed:
                if (cacheKey is not null && cache.TryPut(cacheKey, completed)) http.Items[StoredKey] = true;
                await WriteCompletionAsync(http, completed, Charge(http, completed.Model, completed.Completion.Usage, catalog, metrics, budget),
                    cacheKey is null ? null : "miss");
                break;
            case RouteStreaming streaming:
                var routed = coordinators.Open(streaming);
                if (cacheKey is not null)
                {
                    // Shared with identical requests while it runs, stored when it ends normally: the flight settles the lead.
                    routed = RoutedStream.Shared(cache.Share(cacheKey, routed, leads));
                    http.Items[StoredKey] = true;
                }
                // A stream's cost is known at its usage chunk, after the headers: it goes to the metrics only.
                await SseResponse.WriteAsync(http, routed, materializer, ct, usage => Charge(http, streaming.Model, usage, catalog, metrics, budget));
                break;
            case RouteFailed failed:
                await HttpResults.WriteErrorAsync(http, OpenAiError.FromUpstream(failed.Error), failed.Attempts, failed.Error.RetryAfter);
                break;
        }
    }

    /// <summary>What an answer of <paramref name="model"/> cost, counted in the spend metrics and budgets; null when unknown.</summary>
    private static double? Charge(HttpContext http, ModelId model, TokenUsage? usage, CatalogReplica catalog, RouterMetrics metrics, BudgetGate budget)
    {
        var cost = Spend.CostOf(usage, catalog.Current.ById.GetValueOrDefault(model.Value));
        if (cost is not { } usd) return null;
        metrics.RecordSpend(model.Value, http.ClientId(), usd);
        budget.Charge(http.ClientId(), usd);
        return cost;
    }

    private static readonly OpenAiError ShuttingDown =
        new("This Router node is shutting down; retry on another node", "server_error", null, "node_shutting_down", 503, null, true, false);

    /// <summary>
    /// A cached answer: its model and attempts as first served, its age, and no cost (no upstream call). A stream gets
    /// the answer's chunks as first streamed (or, for an answer first served plain, cut into chunks).
    /// </summary>
    private static Task WriteCachedAsync(HttpContext http, CacheHit hit, bool stream, ResponseCache cache, CatalogReplica catalog, RouterMetrics metrics)
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
        if (hit.Coalesced) return WriteCompletionAsync(http, completed, 0, "coalesced");
        SetRouterHeaders(http, completed);
        http.Response.Headers["X-Router-Cost"] = "0";
        return WriteBodyAsync(http, served.Body);
    }

    /// <summary>An identical request's stream, read as it arrives: the chunks so far, then the rest.</summary>
    private static async Task FollowAsync(HttpContext http, FlightJoined joined, IHostApplicationLifetime lifetime, IMaterializer materializer,
        CatalogReplica catalog, RouterMetrics metrics)
    {
        http.Response.Headers["X-Router-Cache"] = "COALESCED";
        http.Response.Headers.Age = "0";
        using var cancellation = StreamCancellation(http, lifetime);
        var shared = RoutedStream.Shared(new RouteStreaming(joined.Stream, joined.Model, "", joined.Attempts));
        await SseResponse.WriteAsync(http, shared, materializer, cancellation.Token, usage =>
        {
            if (Spend.CostOf(usage, catalog.Current.ById.GetValueOrDefault(joined.Model.Value)) is { } saved) metrics.CacheSavedUsd.Inc(saved);
        });
    }

    /// <summary>A stream ends when its client goes away, or when the node stops (with an error event).</summary>
    private static CancellationTokenSource StreamCancellation(HttpContext http, IHostApplicationLifetime lifetime) =>
        CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);

    private static Task WriteCompletionAsync(HttpContext http, RouteCompleted completed, double? cost, string? cacheStatus = null)
    {
        SetRouterHeaders(http, completed);
        if (cost is { } usd) http.Response.Headers["X-Router-Cost"] = usd.ToString("0.##########", System.Globalization.CultureInfo.InvariantCulture);
        return WriteBodyAsync(http, completed.Completion.ServedWith(new RouterInfo(completed.Model.Value, completed.Attempts, cost, cacheStatus)));
    }

    /// <summary>Written at once, with a length: no chunking.</summary>
    private static Task WriteBodyAsync(HttpContext http, byte[] body)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = body.Length;
        return http.Response.Body.WriteAsync(body, http.RequestAborted).AsTask();
    }

    internal static void SetRouterHeaders(HttpContext http, RouteResult result)
    {
        var model = result switch
        {
            RouteCompleted c => c.Model.Value,
            RouteStreaming s => s.Model.Value,
            _ => null,
        };
        if (model is not null) http.Response.Headers["X-Router-Model"] = model;
        HttpResults.SetAttemptsHeader(http, result.Attempts);
    }
}
