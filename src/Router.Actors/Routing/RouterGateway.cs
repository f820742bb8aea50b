using Akka.Actor;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>
/// The entry point of the request path on a node: hands each request to one of the node's coordinators (one per
/// core, round robin) and cancels its route when the caller goes away.
/// </summary>
public sealed class RouterGateway
{
    private readonly IActorRef[] _coordinators;
    private readonly string _prefix = "req-" + Guid.NewGuid().ToString("N")[..6]; // route ids are unique in the cluster
    private long _requests;

    public RouterGateway(ActorSystem system, RoutingContext context)
    {
        Context = context;
        var props = CoordinatorActor.Props(context);
        _coordinators = Enumerable.Range(0, Math.Max(2, Environment.ProcessorCount))
            .Select(i => system.ActorOf(props, $"router-coordinator-{i}"))
            .ToArray();
    }

    public RoutingContext Context { get; }

    private static readonly RouteFailed CatalogNotLoaded = new(ErrorClassifier.Of(UpstreamErrorKind.ModelUnavailable,
        "Router has no model catalog yet (the node is starting, or OpenRouter's model list cannot be fetched); retry shortly", 503)
        with { RetryAfter = TimeSpan.FromSeconds(5) }, []);

    /// <summary>A routed stream for its reader: disposing it before its end cancels the upstream call.</summary>
    public RoutedStream Open(RouteStreaming streaming) => new(streaming, Context.ModelRegion);

    public async Task<RouteResult> RouteAsync(RouteRequest request, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (!Context.Catalog.Current.IsLoaded && !await Context.Catalog.WaitLoadedAsync(Context.Settings.CatalogWait, ct))
            return CatalogNotLoaded;
        var n = Interlocked.Increment(ref _requests);
        var id = $"{_prefix}-{n}";
        var coordinator = _coordinators[n % _coordinators.Length];
        var reply = new TaskCompletionSource<RouteResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The coordinator always answers: by its deadline at the latest, cancelled when the caller goes away, failed if it stops.
        await using var registration = ct.Register(() => coordinator.Tell(new CancelRoute(id)));
        coordinator.Tell(new LocalRoute(request with { RouteId = id }, reply));
        return await reply.Task;
    }
}
