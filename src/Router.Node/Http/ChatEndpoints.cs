using System.Diagnostics;
using Akka.Streams;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.Quota;
using Router.Actors.Routing;
using Router.Node.Security;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.Client.Configuration;

namespace Router.Node.Http;

/// <summary><c>POST /v1/chat/completions</c> and <c>/api/v1/chat/completions</c>: routed, with fallback, plain or SSE.</summary>
public static class ChatEndpoints
{
    public static void MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", HandleAsync);
        app.MapPost("/api/v1/chat/completions", HandleAsync);
    }

    private static async Task HandleAsync(HttpContext http, ChatServices chat)
    {
        var (request, invalid) = await ChatRequestReader.ReadAsync(http.Request, chat.Settings.MaxMessages, http.RequestAborted);
        if (invalid is not null || request is null)
        {
            if (!http.RequestAborted.IsCancellationRequested) // a client gone while sending has nobody to answer
                await HttpResults.WriteErrorAsync(http, invalid ?? OpenAiError.BadRequest("Request body is required"));
            return;
        }

        if (await chat.Limits.AdmitAsync(http.ClientId(), http.RequestAborted) is { } refused)
        {
            ServerSpans.SpanOf(http)?.SetTag(RouterTracing.Tags.Quota, refused.Error.Code);
            await HttpResults.WriteErrorAsync(http, refused.Error, retryAfter: refused.RetryAfter);
            return;
        }

        // The response cache, for cacheable requests: a stored answer, or one in flight for an identical request.
        var (served, cacheKey, leads) = await CachedAnswers.TryServeAsync(http, request, chat);
        if (http.Response.Headers.TryGetValue("X-Router-Cache", out var cacheResult))
            ServerSpans.SpanOf(http)?.SetTag(RouterTracing.Tags.Cache, cacheResult.ToString());
        if (served) return;
        try
        {
            await RouteAsync(http, request, chat, cacheKey, leads);
        }
        finally
        {
            // Whatever became of it, a leader that stored nothing (nor handed its stream to a flight) hands the lead to a waiter.
            if (leads && http.Items[StoredKey] is null) chat.Cache.Release(cacheKey!);
        }
    }

    private const string StoredKey = "router.cache.stored";

    private static async Task RouteAsync(HttpContext http, ChatCompletionRequest request, ChatServices chat, string? cacheKey, bool leads)
    {
        // A client that goes away cancels the route and its upstream call. A plain request in flight when the node
        // stops is allowed to finish (Kestrel drains before the actor system stops); streams are cut, with an error event.
        var stream = request.Stream == true;
        var started = Stopwatch.GetTimestamp();
        using var cancellation = stream ? StreamCancellation(http, chat.Lifetime) : null;
        var ct = cancellation?.Token ?? http.RequestAborted;
        var routeId = chat.Coordinators.NewRouteId();
        RouteResult result;
        try
        {
            result = await chat.Coordinators.RouteAsync(new RouteRequest(request, Stream: stream, RouteId: routeId, TraceParent: ServerSpans.TraceParentOf(http)), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (!http.RequestAborted.IsCancellationRequested)
                await HttpResults.WriteErrorAsync(http, ShuttingDown);
            return;
        }

        chat.Metrics.RecordRequest(stream, (result as RouteFailed)?.Error.Kind, Stopwatch.GetElapsedTime(started).TotalSeconds);
        double? cost = null;
        switch (result)
        {
            case RouteCompleted completed:
                if (cacheKey is not null && chat.Cache.TryPut(cacheKey, completed)) http.Items[StoredKey] = true;
                cost = chat.Limits.Charge(http.ClientId(), completed.Model, completed.Completion.Usage);
                await WriteCompletionAsync(http, completed, cost, cacheKey is null ? null : "miss");
                break;
            case RouteStreaming streaming:
                var routed = chat.Coordinators.Open(streaming);
                if (cacheKey is not null)
                {
                    // Shared with identical requests while it runs, stored when it ends normally: the flight settles the lead.
                    routed = RoutedStream.Shared(chat.Cache.Share(cacheKey, routed, leads));
                    http.Items[StoredKey] = true;
                }
                // A stream's cost is known at its usage chunk, after the headers: it goes to the metrics only.
                await SseResponse.WriteAsync(http, routed, chat.Materializer, ct, usage => cost = chat.Limits.Charge(http.ClientId(), streaming.Model, usage));
                break;
            case RouteFailed failed:
                await HttpResults.WriteErrorAsync(http, OpenAiError.FromUpstream(failed.Error), failed.Attempts, failed.Error.RetryAfter);
                break;
        }
        chat.Log.Routed(routeId, ServerSpans.TraceIdOf(http), http.Response.StatusCode, result, Stopwatch.GetElapsedTime(started), cost);
    }

    private static readonly OpenAiError ShuttingDown =
        new("This Router node is shutting down; retry on another node", "server_error", null, "node_shutting_down", 503, null, true, false);

    /// <summary>A stream ends when its client goes away, or when the node stops (with an error event).</summary>
    /// <summary>
    /// A stream ends when its client goes away, or when the node stops and the stream has not ended within
    /// <see cref="Hosting.RouterNode.StreamDrain"/> (short enough to write its error event inside Kestrel's drain):
    /// a rolling restart then cuts only the streams that outlast it.
    /// </summary>
    internal static StreamDeadline StreamCancellation(HttpContext http, IHostApplicationLifetime lifetime) =>
        new(http.RequestAborted, lifetime.ApplicationStopping, Hosting.RouterNode.StreamDrain);

    internal static Task WriteCompletionAsync(HttpContext http, RouteCompleted completed, double? cost, string? cacheStatus = null)
    {
        SetRouterHeaders(http, completed);
        if (cost is { } usd) http.Response.Headers["X-Router-Cost"] = usd.ToString("0.##########", System.Globalization.CultureInfo.InvariantCulture);
        return WriteBodyAsync(http, completed.Completion.ServedWith(new RouterInfo(completed.Model.Value, completed.Attempts, cost, cacheStatus)));
    }

    /// <summary>Written at once, with a length: no chunking.</summary>
    internal static Task WriteBodyAsync(HttpContext http, byte[] body)
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
