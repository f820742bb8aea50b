using Akka.Actor;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>Where a route's answer goes: an actor (callers elsewhere, tests) or a task awaited on this node.</summary>
internal abstract class RouteReply
{
    public abstract void Answer(RouteResult result);

    /// <summary>The caller went away: an actor gets nothing, a waiting task is cancelled.</summary>
    public abstract void Abandon();
}

internal sealed class ActorReply(IActorRef replyTo) : RouteReply
{
    public override void Answer(RouteResult result) => replyTo.Tell(result);

    public override void Abandon()
    {
    }
}

internal sealed class TaskReply(TaskCompletionSource<RouteResult> reply) : RouteReply
{
    public override void Answer(RouteResult result) => reply.TrySetResult(result);

    public override void Abandon() => reply.TrySetCanceled();
}

/// <summary>
/// A route asked for on this node by the <see cref="Coordinators"/>: answered by completing <see cref="Reply"/>,
/// which spares each request the temporary actor, timer and registration of an Ask. Never leaves the node.
/// </summary>
internal sealed record LocalRoute(RouteRequest Route, TaskCompletionSource<RouteResult> Reply);
