using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

public sealed record RoutingSettings
{
    public ModelId? DefaultModel { get; init; }
    public IReadOnlyList<ModelId> FallbackModels { get; init; } = [];

    /// <summary>How candidates are ordered when the request does not say (<c>ROUTER_DEFAULT_SORT</c>).</summary>
    public RouteSort DefaultSort { get; init; } = RouteSort.Priority;

    /// <summary>
    /// The share of requests under a measuring sort (latency, throughput, score) that try first a model not measured
    /// yet, so that every model gets measured (<c>ROUTER_SORT_EXPLORATION</c>).
    /// </summary>
    public double ExplorationRate { get; init; } = 0.05;

    /// <summary>Upstream calls per request, across models (rejections by cooling models do not count).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>One model's whole call, its same-model retries included; then the coordinator moves on.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(200);

    /// <summary>
    /// How long a request arriving before this node has its catalog (just started) waits for it, rather than failing
    /// with nothing to route to.
    /// </summary>
    public TimeSpan CatalogWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The whole request, every attempt and wait included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// An attempt silent this long is asked after (<see cref="Router.Contracts.Messages.GetCallStatus"/>), and asked again as often while it
    /// stays silent; the model actor answers at once while the call runs.
    /// </summary>
    public TimeSpan CallCheckAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An attempt that has neither answered nor been reported running for this long is given up as unreachable (its
    /// model actor's node died, and messages to it are lost or held until its shard moves): the route moves on long
    /// before the attempt's own timeout. Says nothing about the model's health.
    /// </summary>
    public TimeSpan UnreachableAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long this node skips a model found unreachable (its shard is moving to another node meanwhile).</summary>
    public TimeSpan UnreachableRest { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a coordinator looks for routes past their deadline, attempt timeout or liveness: a twentieth of the
    /// shortest of them, between 10 ms and 500 ms. One sweep per coordinator replaces timers per request.
    /// </summary>
    public TimeSpan SweepInterval => TimeSpan.FromTicks(Math.Clamp(
        Math.Min(Math.Min(AttemptTimeout.Ticks, RequestTimeout.Ticks), UnreachableAfter.Ticks) / 20,
        TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(500).Ticks));

    /// <summary>An attempt timeout that outlasts the client's own retries: every attempt's timeout and every backoff, plus slack.</summary>
    public static TimeSpan AttemptTimeoutFor(OpenRouterClientOptions client) =>
        (client.Timeout > client.FirstTokenTimeout ? client.Timeout : client.FirstTokenTimeout) * client.RetryAttempts + client.BackoffMax * (client.RetryAttempts - 1) + TimeSpan.FromSeconds(2);
}
