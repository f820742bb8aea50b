using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Models;

/// <summary>
/// Hands a model's stream to its requester once the first content chunk is in hand: the source itself to a requester
/// on this node (a stream ref would cost a handshake before the first token), a stream ref to one on another node.
/// A stream nobody claims within the claim timeout is abandoned, as an unclaimed stream ref would time out.
/// </summary>
internal sealed class StreamHandOff(ModelId model, TimeSpan claimTimeout, IScheduler scheduler, Func<IMaterializer> materializer)
{
    private IMaterializer? _materializer;

    public UpstreamTail HandOut(string attemptId, IActorRef requester, ModelCall.HeadReady head, CancellationTokenSource call,
        Action<UpstreamTail.End> ended)
    {
        // One stage, not a concatenation of head and rest: each stage costs time when the consumer materializes it.
        var tail = new UpstreamTail(head.Head, head.Rest, call, ended);
        var source = Source.From(() => tail.ReadAsync());
        scheduler.Advanced.ScheduleOnce(claimTimeout, () =>
        {
            if (!tail.Claimed) tail.Abandon();
        });

        if (requester is IActorRefScope { IsLocal: true })
        {
            requester.Tell(new StreamStarted(attemptId, model, new SameNodeSourceRef<StreamItem>(source), head.FirstTokenMs));
            return tail;
        }
        source.RunWith(StreamRefs.SourceRef<StreamItem>(), _materializer ??= materializer())
            .PipeTo(requester,
                success: sourceRef => new StreamStarted(attemptId, model, sourceRef, head.FirstTokenMs),
                failure: e => new AttemptFailed(attemptId, model, ErrorClassifier.Of(UpstreamErrorKind.StreamError, e.Message, model: model.Value)));
        return tail;
    }
}
