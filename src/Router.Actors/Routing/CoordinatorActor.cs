using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Routing;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Contracts.Messages;

namespace Router.Actors.Routing;

/// <summary>What every coordinator on a node shares.</summary>
public sealed record RoutingContext(IActorRef ModelRegion, CatalogReplica Catalog, ModelHealthBoard Board, RoutingSettings Settings, TimeProvider Time)
{
    public RouterMetrics Metrics { get; init; } = RouterMetrics.Isolated();
}

/// <summary>
/// Routes requests on the receiving node: each <see cref="RouteRequest"/> becomes a <see cref="RouteSession"/> (the
/// fallback logic) that lives on this actor until it answers. A node keeps a few long-lived coordinators rather than
/// one actor per request: creating and stopping an actor per request cost more than the routing itself.
/// </summary>
public sealed class CoordinatorActor : UntypedActor, IWithTimers, IRouteHost
{
    private readonly RoutingContext _context;
    private readonly Dictionary<string, RouteSession> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RouteSession> _attempts = new(StringComparer.Ordinal);
    private long _unnamed;

    public CoordinatorActor(RoutingContext context) => _context = context;

    public ITimerScheduler Timers { get; set; } = null!;
    public ILoggingAdapter Log { get; } = Context.GetLogger();

    public static Props Props(RoutingContext context) => Akka.Actor.Props.Create(() => new CoordinatorActor(context));

    /// <summary>
    /// A node's coordinators (one per core), taking routes in turn. A route's cancellation is broadcast (it is rare,
    /// and a coordinator without the route ignores it); a consistent-hashing pool would send it to the right one only,
    /// but costs every request a few percent of Router's CPU (docs/benchmarks.md). A failing coordinator restarts
    /// alone, as it would outside a pool.
    /// </summary>
    public static Props PoolProps(RoutingContext context, int? size = null) =>
        Props(context).WithRouter(new RoundRobinPool(size ?? Math.Max(2, Environment.ProcessorCount))
            .WithSupervisorStrategy(Akka.Actor.SupervisorStrategy.DefaultStrategy));

    /// <summary>Answers of abandoned attempts (no session owns their id any more) are ignored; stream refs time out by themselves.</summary>
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case LocalRoute local:
                Begin(local.Route, new TaskReply(local.Reply));
                break;
            case RouteRequest route:
                Begin(route, new ActorReply(Sender));
                break;
            case Completed m:
                RunAttempt(m.AttemptId, s => s.OnCompleted(m));
                break;
            case StreamStarted m:
                RunAttempt(m.AttemptId, s => s.OnStreamStarted(m));
                break;
            case AttemptFailed m:
                RunAttempt(m.AttemptId, s => s.OnFailed(m));
                break;
            case AttemptRejected m:
                RunAttempt(m.AttemptId, s => s.OnRejected(m));
                break;
            case CallInProgress m:
                var modelActor = Sender;
                RunAttempt(m.AttemptId, s => s.OnInProgress(modelActor));
                break;
            case WakeUp m:
                RunRoute(m.RouteId, s => s.OnWakeUp());
                break;
            case Sweep:
                SweepTimeouts();
                break;
            case CancelRoute m:
                RunRoute(m.RouteId, s => s.OnCancelled());
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, _context.Settings.SweepInterval);

    private void SweepTimeouts()
    {
        if (_routes.Count == 0) return;
        foreach (var session in _routes.Values.ToList()) // a session may end while checked
            Run(session, s => s.CheckTimeouts());
    }

    private void Begin(RouteRequest route, RouteReply reply)
    {
        var id = route.RouteId ?? $"{Self.Path.Name}-{++_unnamed}";
        if (_routes.ContainsKey(id))
        {
            Log.Warning("Request {0} is already being routed; the duplicate is ignored", LogText.Safe(id));
            reply.Abandon(); // a waiting task must not wait forever
            return;
        }
        var session = new RouteSession(id, route, reply, _context, this);
        _routes[id] = session;
        Run(session, s => s.Start());
    }

    protected override void PostStop()
    {
        foreach (var session in _routes.Values)
            session.OnHostStopped();
        _routes.Clear();
        _attempts.Clear();
        base.PostStop();
    }

    private void RunAttempt(string attemptId, Action<RouteSession> step)
    {
        if (_attempts.TryGetValue(attemptId, out var session)) Run(session, step);
    }

    private void RunRoute(string routeId, Action<RouteSession> step)
    {
        if (_routes.TryGetValue(routeId, out var session)) Run(session, step);
    }

    private void Run(RouteSession session, Action<RouteSession> step)
    {
        try
        {
            step(session);
        }
        catch (Exception e)
        {
            // One request's bug must not restart the actor and lose every other request it routes.
            if (_routes.ContainsKey(session.Id)) session.OnCrash(e);
            else Log.Error(e, "Request {0}: error after it ended", LogText.Safe(session.Id));
        }
    }

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    void IRouteHost.AttemptStarted(string attemptId, RouteSession session) => _attempts[attemptId] = session;
    void IRouteHost.AttemptEnded(string attemptId) => _attempts.Remove(attemptId);
    void IRouteHost.Ended(RouteSession session) => _routes.Remove(session.Id);
}

/// <summary>Registry key of the node's coordinator pool.</summary>
public sealed class CoordinatorPool;

public static class CoordinatorActorHosting
{
    /// <summary>Starts the node's coordinator pool (every node routes requests: front nodes and embedded clients).</summary>
    public static AkkaConfigurationBuilder AddCoordinators(this AkkaConfigurationBuilder builder, Func<RoutingContext> context) =>
        builder.WithActors((system, registry) =>
            registry.Register<CoordinatorPool>(system.ActorOf(CoordinatorActor.PoolProps(context()), "coordinators")));
}
