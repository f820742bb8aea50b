using Router.Actors.OpenRouter;
using Router.Contracts;

namespace Router.Actors.Routing;

public sealed record RoutingSettings
{
    public ModelId? DefaultModel { get; init; }
    public IReadOnlyList<ModelId> FallbackModels { get; init; } = [];

    /// <summary>Upstream calls per request, across models (rejections by cooling models do not count).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>One model's whole call, its same-model retries included; then the coordinator moves on.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(200);

    /// <summary>The whole request, every attempt and wait included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// How often a coordinator looks for routes past their deadline or attempt timeout: a twentieth of the shorter
    /// of the two, between 10 ms and 500 ms. One sweep per coordinator replaces two timers per request.
    /// </summary>
    public TimeSpan SweepInterval => TimeSpan.FromTicks(Math.Clamp(
        Math.Min(AttemptTimeout.Ticks, RequestTimeout.Ticks) / 20, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(500).Ticks));

    /// <summary>An attempt timeout that outlasts the client's own retries: every attempt's timeout and every backoff, plus slack.</summary>
    public static TimeSpan AttemptTimeoutFor(OpenRouterClientOptions client) =>
        client.Timeout * client.RetryAttempts + client.BackoffMax * (client.RetryAttempts - 1) + TimeSpan.FromSeconds(2);
}
