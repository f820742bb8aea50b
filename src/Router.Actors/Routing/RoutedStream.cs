using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>
/// A routed stream in its reader's hands. Disposing it before the stream ended (the reader stopped, failed, or never
/// started reading) cancels the upstream call at once, rather than leaving the model actor to notice an unread stream
/// after its claim timeout.
/// </summary>
public sealed class RoutedStream(RouteStreaming streaming, IActorRef modelRegion) : IAsyncDisposable
{
    private bool _ended;

    public RouteStreaming Route => streaming;

    /// <summary>
    /// A stream read through a shared flight: its reader going away only leaves the flight, which ends the call itself
    /// once nobody reads.
    /// </summary>
    public static RoutedStream Shared(RouteStreaming streaming) => new(streaming, ActorRefs.Nobody);

    public async IAsyncEnumerable<StreamItem> ReadAsync(IMaterializer materializer, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var items = streaming.Stream is SameNodeSourceRef<StreamItem> { Items: { } direct }
            ? direct(ct)
            : streaming.Stream.Source.RunAsAsyncEnumerable(materializer);
        await foreach (var item in items.WithCancellation(ct))
        {
            if (item is StreamFault) _ended = true; // the model actor has already ended the call
            yield return item;
        }
        _ended = true;
    }

    public ValueTask DisposeAsync()
    {
        if (!_ended)
            modelRegion.Tell(new CancelCall(streaming.Model, streaming.AttemptId));
        _ended = true;
        return ValueTask.CompletedTask;
    }
}
