using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;

namespace Router.Contracts.Messages;

/// <summary>
/// A stream handed to a requester on the same node: the source itself, without the stream-ref handshake (an actor at
/// each end and a round trip before the first element). It cannot leave its node: the serializer refuses it, and the
/// model actor hands remote requesters a real stream ref instead.
/// </summary>
public sealed class SameNodeSourceRef<T> : ISourceRef<T>
{
    public SameNodeSourceRef(Source<T, NotUsed> source) => Source = source;

    /// <summary>
    /// A stream its reader may also read directly, without materializing a graph (each costs an actor): for one
    /// producer read by many readers at once, where that cost is paid per reader.
    /// </summary>
    public SameNodeSourceRef(Func<CancellationToken, IAsyncEnumerable<T>> items)
    {
        Items = items;
        Source = Akka.Streams.Dsl.Source.From(() => items(CancellationToken.None));
    }

    public Source<T, NotUsed> Source { get; }

    public Func<CancellationToken, IAsyncEnumerable<T>>? Items { get; }

    public ISurrogate ToSurrogate(ActorSystem system) => throw SameNodeSourceRef.CannotLeaveNode();
}

public static class SameNodeSourceRef
{
    /// <summary>What serializing a <see cref="SameNodeSourceRef{T}"/> throws, whichever serializer tries.</summary>
    public static NotSupportedException CannotLeaveNode() =>
        new("A local stream cannot be sent to another node; hand out a stream ref instead");
}
