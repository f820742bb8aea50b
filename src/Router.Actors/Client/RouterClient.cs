using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Actors.Catalog;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Client;

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

/// <summary>
/// Router for .NET code running in (or embedding) a cluster node: the seed's client API over the routing actors,
/// with the same priority, fallback and streaming semantics as the HTTP front.
/// </summary>
public sealed class RouterClient(Coordinators coordinators, CatalogReplica catalog, ActorSystem system)
{
    private readonly IMaterializer _materializer = system.Materializer(namePrefix: "router-client");

    /// <summary>The catalog, waiting (up to <paramref name="wait"/>, default 10 s) for the first fetch on a fresh node.</summary>
    public async Task<IReadOnlyList<ModelInfo>> GetAvailableModelsAsync(TimeSpan? wait = null, CancellationToken ct = default)
    {
        await catalog.WaitLoadedAsync(wait ?? TimeSpan.FromSeconds(10), ct);
        return catalog.Current.Models;
    }

    public async Task<RouterResponse> GenerateResponseAsync(IReadOnlyList<ChatMessage> messages, string? model = null,
        double temperature = 0.7, int maxTokens = 1024, CancellationToken ct = default)
    {
        var result = await coordinators.RouteAsync(new RouteRequest(Request(messages, model, temperature, maxTokens), Stream: false), ct);
        return result switch
        {
            RouteCompleted { Completion.Response: var r } c => new RouterResponse(true, r.Choices?.FirstOrDefault()?.Message?.ContentText, c.Model, r.Usage, null, c.Attempts, r),
            RouteFailed f => new RouterResponse(false, null, null, null, f.Error, f.Attempts, null),
            _ => throw new InvalidOperationException($"Unexpected route result {result.GetType().Name}"),
        };
    }

    public async IAsyncEnumerable<RouterStreamItem> GenerateResponseStreamAsync(IReadOnlyList<ChatMessage> messages, string? model = null,
        double temperature = 0.7, int maxTokens = 1024, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var result = await coordinators.RouteAsync(new RouteRequest(Request(messages, model, temperature, maxTokens), Stream: true), ct);
        if (result is RouteFailed failed)
        {
            yield return new RouterStreamItem(null, true, null, Error: failed.Error);
            yield break;
        }
        var streaming = (RouteStreaming)result;
        await using var stream = coordinators.Open(streaming);
        Usage? usage = null;
        await foreach (var item in stream.ReadAsync(_materializer, ct))
        {
            switch (item)
            {
                case StreamChunk { Chunk.Chunk: var chunk }:
                    usage = chunk.Usage ?? usage;
                    var content = chunk.Choices?.FirstOrDefault()?.Delta?.Content;
                    if (!string.IsNullOrEmpty(content))
                        yield return new RouterStreamItem(content, false, streaming.Model);
                    break;
                case StreamFault fault:
                    yield return new RouterStreamItem(null, true, streaming.Model, usage, fault.Error);
                    yield break;
            }
        }
        yield return new RouterStreamItem(null, true, streaming.Model, usage);
    }

    private static ChatCompletionRequest Request(IReadOnlyList<ChatMessage> messages, string? model, double temperature, int maxTokens) => new()
    {
        Model = model,
        Messages = messages,
        Temperature = temperature,
        MaxTokens = maxTokens,
    };
}
