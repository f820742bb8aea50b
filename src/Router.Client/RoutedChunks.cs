using System.Runtime.CompilerServices;
using Akka.Streams;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Client;

/// <summary>
/// A routed stream for .NET code: the model that answers, the attempts made before it, and its chunks. Read it once;
/// disposing it unread (or leaving the enumeration) cancels the upstream call.
/// </summary>
public sealed class RoutedChunks(RouteStreaming route, RoutedStream stream, IMaterializer materializer, Func<TokenUsage, double?> charge) : IAsyncDisposable
{
    public ModelId Model => route.Model;

    public IReadOnlyList<AttemptRecord> Attempts => route.Attempts;

    /// <summary>What the answer cost, once its usage chunk has been read (null until then, or when unknown).</summary>
    public double? CostUsd { get; private set; }

    /// <summary>The chunks as the model sent them; an error after the first one throws <see cref="RouterException"/>.</summary>
    public async IAsyncEnumerable<ChatCompletionChunk> ReadAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var _ = stream;
        await foreach (var item in stream.ReadAsync(materializer, ct))
        {
            switch (item)
            {
                case StreamChunk { Chunk.Chunk: var chunk }:
                    if (chunk.Usage is { } usage) CostUsd = charge(TokenUsage.From(usage));
                    yield return chunk;
                    break;
                case StreamFault fault:
                    throw new RouterException(fault.Error, route.Attempts);
            }
        }
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
