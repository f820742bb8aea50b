using Akka.Actor;
using Akka.Hosting;
using Akka.Routing;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>
/// The entry point of the request path on a node: names each request, hands it to the node's coordinator pool and
/// cancels its route when the caller goes away.
/// </summary>
public sealed class Coordinators
{
    private readonly IActorRef _pool;
    private readonly string _prefix = "req-" + Guid.NewGuid().ToString("N")[..6]; // route ids are unique in the cluster
    private long _requests;

    public Coordinators(IActorRef pool, RoutingContext context)
    {
        _pool = pool;
        Context = context;
    }

    public Coordinators(IRequiredActor<CoordinatorPool> pool, RoutingContext context) : this(pool.ActorRef, context)
    {
    }

    public RoutingContext Context { get; }

    private static readonly RouteFailed CatalogNotLoaded = new(ErrorClassifier.Of(UpstreamErrorKind.ModelUnavailable,
        "Router has no model catalog yet (the node is starting, or OpenRouter's model list cannot be fetched); retry shortly", 503)
        with { RetryAfter = TimeSpan.FromSeconds(5) }, []);

    /// <summary>A routed stream for its reader: disposing it before its end cancels the upstream call.</summary>
    public RoutedStream Open(RouteStreaming streaming) => new(streaming, Context.ModelRegion);

    /// <summary>A route id unique in the cluster (a request may be given one to log it by).</summary>
    public string NewRouteId() => $"{_prefix}-{Interlocked.Increment(ref _requests)}";

    public async Task<RouteResult> RouteAsync(RouteRequest request, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (!Context.Catalog.Current.IsLoaded && !await Context.Catalog.WaitLoadedAsync(Context.Settings.CatalogWait, ct))
            return CatalogNotLoaded;
        var id = request.RouteId ?? NewRouteId();
        var reply = new TaskCompletionSource<RouteResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The coordinator always answers: by its deadline at the latest, cancelled when the caller goes away, failed if it stops.
        await using var registration = ct.Register(() => _pool.Tell(new Broadcast(new CancelRoute(id))));
        _pool.Tell(new LocalRoute(request with { RouteId = id, TraceParent = request.TraceParent ?? Observability.RouterTracing.CurrentParent }, reply));
        return await reply.Task;
    }
}
