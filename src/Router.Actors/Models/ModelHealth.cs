using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Models;

/// <summary>The answer to "may a call go to this model now?".</summary>
public abstract record Admission
{
    /// <summary>Go ahead; <see cref="IsProbe"/>: the one call that decides whether a half-open circuit closes.</summary>
    public sealed record Admitted(bool IsProbe) : Admission;

    public sealed record Rejected(RestReason Reason, DateTimeOffset RetryAt) : Admission;
}

/// <summary>
/// A model's health as pure state: circuit (closed / open / half-open with one probe), cooldown (rate limit or
/// unavailability), counters and latency. Decisions return the next state plus the events to persist; the actor only
/// carries them out. Only transitions are events; counters travel in snapshots.
/// </summary>
public sealed record ModelHealth
{
    public CircuitState Circuit { get; init; } = CircuitState.Closed;
    public DateTimeOffset? OpenUntil { get; init; }
    public int Opens { get; init; }
    public bool ProbeInFlight { get; init; }
    public DateTimeOffset? CooldownUntil { get; init; }
    public RestReason? CooldownReason { get; init; }
    public int RateLimitStreak { get; init; }
    public int ConsecutiveFailures { get; init; }
    public long Successes { get; init; }
    public long Failures { get; init; }
    public double? LatencyEwmaMs { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public DateTimeOffset? LastFailureAt { get; init; }
    public ModelPerformance Performance { get; init; } = ModelPerformance.None;

    public static readonly ModelHealth Initial = new();

    /// <summary>May a call go out now? Admitting the probe of a half-open circuit marks it in flight.</summary>
    public (ModelHealth State, Admission Admission) Admit(DateTimeOffset now)
    {
        if (CooldownUntil is { } until && until > now)
            return (this, new Admission.Rejected(CooldownReason ?? RestReason.CoolingDown, until));

        switch (Circuit)
        {
            case CircuitState.Open when OpenUntil is { } openUntil && openUntil > now:
                return (this, new Admission.Rejected(RestReason.CircuitOpen, openUntil));
            case CircuitState.Open:
            case CircuitState.HalfOpen when !ProbeInFlight:
                return (this with { Circuit = CircuitState.HalfOpen, ProbeInFlight = true }, new Admission.Admitted(IsProbe: true));
            case CircuitState.HalfOpen:
                // One probe at a time; ask again shortly.
                return (this, new Admission.Rejected(RestReason.ProbeInFlight, now.AddSeconds(1)));
            default:
                return (this, new Admission.Admitted(IsProbe: false));
        }
    }

    public (ModelHealth State, IReadOnlyList<IModelEvent> Events) OnSuccess(DateTimeOffset now, double latencyMs, bool wasProbe, HealthPolicy policy) =>
        OnSuccess(now, new CallSpeed(latencyMs), wasProbe, policy);

    public (ModelHealth State, IReadOnlyList<IModelEvent> Events) OnSuccess(DateTimeOffset now, CallSpeed speed, bool wasProbe, HealthPolicy policy)
    {
        var alpha = policy.LatencyEwmaAlpha;
        var next = this with
        {
            Successes = Successes + 1,
            ConsecutiveFailures = 0,
            RateLimitStreak = 0,
            LastSuccessAt = now,
            LatencyEwmaMs = Ewma.Next(LatencyEwmaMs, speed.LatencyMs, alpha),
            Performance = new ModelPerformance(
                Ewma.Next(Performance.FirstTokenMs, speed.FirstTokenMs, alpha),
                Ewma.Next(Performance.TokensPerSecond, speed.TokensPerSecond, alpha),
                Ewma.Next(Performance.ErrorRate ?? 0, 0, policy.ErrorRateAlpha)),
            ProbeInFlight = wasProbe ? false : ProbeInFlight,
        };
        if (Circuit == CircuitState.Closed || (Circuit == CircuitState.HalfOpen && !wasProbe))
            return (next, []);
        var closed = new CircuitClosed(now);
        return (next.Apply(closed), [closed]);
    }

    public (ModelHealth State, IReadOnlyList<IModelEvent> Events) OnFailure(DateTimeOffset now, UpstreamError error, bool wasProbe, HealthPolicy policy)
    {
        var next = this with
        {
            Failures = Failures + 1,
            LastFailureAt = now,
            LastError = Describe(error),
            ProbeInFlight = wasProbe ? false : ProbeInFlight,
            // A failure of the model's: the switch below drops this state for the caller's own mistakes.
            Performance = Performance with { ErrorRate = Ewma.Next(Performance.ErrorRate ?? 0, 1, policy.ErrorRateAlpha) },
        };

        switch (error.Kind)
        {
            case UpstreamErrorKind.RateLimited:
            {
                var wait = policy.Cooldown(error.RetryAfter ?? Backoff.Doubling(policy.RateLimitBase, policy.RateLimitMax, RateLimitStreak));
                var cooldown = new CooldownStarted(now, now + wait, RestReason.RateLimited, RateLimited: true);
                // A rate-limited probe says nothing about the circuit: back to open until the cooldown ends.
                var state = next.Apply(cooldown);
                if (wasProbe) state = state with { Circuit = CircuitState.Open, OpenUntil = cooldown.Until };
                return (state, [cooldown]);
            }
            case UpstreamErrorKind.ModelUnavailable:
            {
                var cooldown = new CooldownStarted(now, now + policy.Cooldown(policy.UnavailableCooldown), RestReason.ModelUnavailable, RateLimited: false);
                return (next.Apply(cooldown), [cooldown]);
            }
            case UpstreamErrorKind.ServerError or UpstreamErrorKind.Timeout or UpstreamErrorKind.Network
                or UpstreamErrorKind.InvalidResponse or UpstreamErrorKind.StreamError:
            {
                next = next with { ConsecutiveFailures = ConsecutiveFailures + 1 };
                var trips = wasProbe || (Circuit == CircuitState.Closed && next.ConsecutiveFailures >= policy.FailureThreshold);
                if (!trips) return (next, []);
                var opens = wasProbe ? Opens + 1 : 1;
                var opened = new CircuitOpened(now, now + Backoff.Doubling(policy.OpenBase, policy.OpenMax, opens - 1), opens,
                    $"{next.ConsecutiveFailures} consecutive failures, last: {Describe(error)}");
                return (next.Apply(opened), [opened]);
            }
            default:
                // The caller's fault (400, 401, 402, 403, context too long): nothing wrong with the model.
                return (this with { ProbeInFlight = wasProbe ? false : ProbeInFlight }, []);
        }
    }

    /// <summary>A call ended without an outcome (the caller cancelled): release the probe slot.</summary>
    public ModelHealth OnAbandoned(bool wasProbe) => wasProbe ? this with { ProbeInFlight = false } : this;

    public ModelHealth Apply(IModelEvent @event) => @event switch
    {
        CircuitOpened e => this with { Circuit = CircuitState.Open, OpenUntil = e.Until, Opens = e.Opens, ProbeInFlight = false },
        CircuitClosed => this with { Circuit = CircuitState.Closed, OpenUntil = null, Opens = 0, ConsecutiveFailures = 0 },
        CooldownStarted e => this with
        {
            CooldownUntil = e.Until,
            CooldownReason = e.Reason,
            RateLimitStreak = e.RateLimited ? RateLimitStreak + 1 : RateLimitStreak,
        },
        _ => throw new InvalidOperationException($"A model event this version cannot apply: {@event.GetType().Name}"),
    };

    public ModelHealthSnapshot ToSnapshot() => new(Circuit == CircuitState.HalfOpen ? CircuitState.Open : Circuit, OpenUntil, Opens,
        CooldownUntil, CooldownReason, RateLimitStreak, Successes, Failures, LatencyEwmaMs, LastError, LastSuccessAt, LastFailureAt, Performance);

    public static ModelHealth FromSnapshot(ModelHealthSnapshot s) => new()
    {
        Circuit = s.Circuit, OpenUntil = s.OpenUntil, Opens = s.Opens, CooldownUntil = s.CooldownUntil, CooldownReason = s.CooldownReason,
        RateLimitStreak = s.RateLimitStreak, Successes = s.Successes, Failures = s.Failures, LatencyEwmaMs = s.LatencyEwmaMs,
        LastError = s.LastError, LastSuccessAt = s.LastSuccessAt, LastFailureAt = s.LastFailureAt,
        Performance = s.Performance ?? ModelPerformance.None,
    };

    public ModelHealthView View(ModelId id, DateTimeOffset now, int inFlight, string? node = null) => new(id, Circuit, OpenUntil,
        CooldownUntil > now ? CooldownUntil : null, CooldownUntil > now ? CooldownReason : null,
        ConsecutiveFailures, Successes, Failures, LatencyEwmaMs, LastError, LastSuccessAt, LastFailureAt, inFlight, node, Performance);

    /// <summary>When this model may next be called, if not now.</summary>
    public DateTimeOffset? BlockedUntil(DateTimeOffset now)
    {
        var cooldown = CooldownUntil > now ? CooldownUntil : null;
        var open = Circuit == CircuitState.Open && OpenUntil > now ? OpenUntil : null;
        return cooldown > open || open is null ? cooldown : open;
    }

    private static string Describe(UpstreamError error) =>
        error.StatusCode is { } status ? $"{error.Kind} ({status}): {error.Message}" : $"{error.Kind}: {error.Message}";
}
