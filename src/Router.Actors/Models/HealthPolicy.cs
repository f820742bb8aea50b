namespace Router.Actors.Models;

/// <summary>When a model's circuit opens, how long it stays open, and how long cooldowns last.</summary>
public sealed record HealthPolicy
{
    /// <summary>Consecutive failures (5xx, timeouts, network, broken streams) that open the circuit.</summary>
    public int FailureThreshold { get; init; } = 5;

    /// <summary>First open period; doubles at each re-open (a failed probe), up to <see cref="OpenMax"/>.</summary>
    public TimeSpan OpenBase { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan OpenMax { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A 429 without Retry-After rests the model this long, doubling per consecutive 429, up to the max.</summary>
    public TimeSpan RateLimitBase { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan RateLimitMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// No cooldown lasts longer, whatever the upstream's Retry-After says: a single 429 with an absurd Retry-After must not
    /// take a model out of rotation for years (ROUTER_MAX_COOLDOWN_SECONDS).
    /// </summary>
    public TimeSpan MaxCooldown { get; init; } = TimeSpan.FromHours(1);

    /// <summary>An unknown or unavailable model (404) rests this long.</summary>
    public TimeSpan UnavailableCooldown { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Weight of the newest latency sample in the moving average.</summary>
    public double LatencyEwmaAlpha { get; init; } = 0.2;

    /// <summary>Weight of the newest call in the error rate (0.1: about the last ten calls), which starts at zero.</summary>
    public double ErrorRateAlpha { get; init; } = 0.1;

    /// <summary>A rest of <paramref name="wait"/>, capped at <see cref="MaxCooldown"/>.</summary>
    public TimeSpan Cooldown(TimeSpan wait) => wait < MaxCooldown ? wait : MaxCooldown;
}
