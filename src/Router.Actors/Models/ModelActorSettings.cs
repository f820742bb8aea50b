using Akka.Streams;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;

namespace Router.Actors.Models;

/// <summary>What every model actor shares: the upstream client, the health policy, the clock.</summary>
public sealed record ModelActorSettings(OpenRouterClient Client, HealthPolicy Policy, TimeProvider Time)
{
    /// <summary>Where the model actors record their calls (the node's metrics).</summary>
    public RouterMetrics Metrics { get; init; } = RouterMetrics.Isolated();

    /// <summary>Runs the streams handed out (one for the whole node; creating one per stream costs an actor each time).</summary>
    public Func<IMaterializer>? Materializer { get; init; }

    /// <summary>Passivate after this long without a request and with no call in flight (checked every quarter of it).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Save a snapshot of the counters after this many outcomes, and no more often than <see cref="SnapshotInterval"/>.</summary>
    public int SnapshotEvery { get; init; } = 100;

    /// <summary>
    /// Circuit transitions are events, written at once; only the counters wait for a snapshot. A busy model would
    /// otherwise write one every few milliseconds.
    /// </summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Publish the model's health to every node (needs a cluster); at most once per <see cref="PublishEvery"/> unless it changes state.</summary>
    public bool PublishHealth { get; init; }

    /// <summary>Record prompts and completions in call spans (ROUTER_TRACE_CONTENT); off, spans carry no text.</summary>
    public bool TraceContent { get; init; }
    public TimeSpan PublishEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A stream handed to a requester on this node that is not read within this long is cancelled (as a stream ref would time out).</summary>
    public TimeSpan StreamClaimTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
