using Akka.Actor;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>The entry point of the request path on a node: one coordinator per request, cancelled with the caller.</summary>
public sealed class RouterGateway(ActorSystem system, RoutingContext context)
{
    private long _requests;
    private readonly Props _coordinatorProps = CoordinatorActor.Props(context); // built once: an expression tree per request costs

    public RoutingContext Context => context;

    public async Task<RouteResult> RouteAsync(RouteRequest request, CancellationToken ct = default)
    {
        var coordinator = system.ActorOf(_coordinatorProps, "req-" + Interlocked.Increment(ref _requests));
        await using var registration = ct.Register(() => coordinator.Tell(CancelRoute.Instance));
        return await coordinator.Ask<RouteResult>(request, context.Settings.RequestTimeout + TimeSpan.FromSeconds(5), ct);
    }
}
