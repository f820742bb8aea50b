using System.Text.Json;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Node.Http;

/// <summary>
/// Writes a routed stream as server-sent events: <c>data: {chunk}</c> lines, flushed one by one, then
/// <c>data: [DONE]</c>. A failure after the first token is an explicit error event before <c>[DONE]</c>, never a
/// silent clean end. Cancelling (client gone) cancels the stream and so the upstream call.
/// </summary>
public static class SseResponse
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <param name="onUsage">Hears the stream's usage (its last chunk, when the upstream sends one).</param>
    public static async Task WriteAsync(HttpContext http, RoutedStream stream, IMaterializer materializer, CancellationToken ct,
        Action<TokenUsage>? onUsage = null)
    {
        await using var _ = stream; // a client gone at any point below cancels the upstream call at once
        var response = http.Response;
        SetHeaders(http, stream.Route);

        try
        {
            await foreach (var item in stream.ReadAsync(materializer, ct))
            {
                switch (item)
                {
                    case StreamChunk chunk:
                        await WriteEventAsync(response, chunk.Chunk.Json, ct);
                        if (chunk.Chunk.Chunk.Usage is { } usage) onUsage?.Invoke(TokenUsage.From(usage));
                        break;
                    case StreamFault fault:
                        await WriteErrorAsync(response, fault.Error, ct);
                        return;
                }
            }
            await response.Body.WriteAsync(Done, ct);
            await response.Body.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client left (nothing to write to), or the node is stopping: say so before the end.
            if (!http.RequestAborted.IsCancellationRequested)
                await WriteErrorAsync(response, new UpstreamError(UpstreamErrorKind.StreamError, 503, "Router node shutting down; the stream was cut", true), CancellationToken.None);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The stream itself broke (e.g. the node serving it went away).
            await WriteErrorAsync(response, new UpstreamError(UpstreamErrorKind.StreamError, null, "Stream interrupted: " + e.Message, true), ct);
        }
    }

    /// <summary>A stored answer's chunks, as first streamed (each its own event), then <c>data: [DONE]</c>.</summary>
    public static async Task ReplayAsync(HttpContext http, RouteResult route, IReadOnlyList<byte[]> chunks)
    {
        SetHeaders(http, route);
        var body = http.Response.Body;
        var ct = http.RequestAborted;
        try
        {
            foreach (var chunk in chunks)
            {
                await body.WriteAsync(DataPrefix, ct);
                await body.WriteAsync(chunk, ct);
                await body.WriteAsync(EventEnd, ct);
            }
            await body.WriteAsync(Done, ct);
            await body.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client left: nobody to write to
        }
    }

    private static void SetHeaders(HttpContext http, RouteResult route)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        ChatEndpoints.SetRouterHeaders(http, route);
    }

    private static async Task WriteErrorAsync(HttpResponse response, UpstreamError error, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new OpenAiErrorEnvelope(OpenAiError.FromUpstream(error)), HttpResults.Json);
        await WriteEventAsync(response, body, ct);
        await response.Body.WriteAsync(Done, ct);
        await response.Body.FlushAsync(ct);
    }

    private static async Task WriteEventAsync(HttpResponse response, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        await response.Body.WriteAsync(DataPrefix, ct);
        await response.Body.WriteAsync(json, ct);
        await response.Body.WriteAsync(EventEnd, ct);
        await response.Body.FlushAsync(ct);
    }
}
