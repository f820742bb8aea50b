using Router.Actors.Models;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Tests.Models;

public class ModelHealthTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly HealthPolicy Policy = new() { FailureThreshold = 3, OpenBase = TimeSpan.FromSeconds(30), OpenMax = TimeSpan.FromMinutes(2) };

    private static UpstreamError Error(UpstreamErrorKind kind, TimeSpan? retryAfter = null) =>
        new(kind, 500, kind.ToString(), true, retryAfter);

    private static ModelHealth FailTimes(ModelHealth health, int times, UpstreamErrorKind kind = UpstreamErrorKind.ServerError)
    {
        for (var i = 0; i < times; i++) health = health.OnFailure(T0, Error(kind), false, Policy).State;
        return health;
    }

    [Fact]
    public void A_closed_circuit_admits_calls()
    {
        var (_, admission) = ModelHealth.Initial.Admit(T0);
        Assert.Equal(new Admission.Admitted(false), admission);
    }

    [Fact]
    public void Consecutive_failures_open_the_circuit_at_the_threshold_with_one_event()
    {
        var health = FailTimes(ModelHealth.Initial, 2);
        Assert.Equal(CircuitState.Closed, health.Circuit);

        var (opened, events) = health.OnFailure(T0, Error(UpstreamErrorKind.Timeout), false, Policy);
        Assert.Equal(CircuitState.Open, opened.Circuit);
        var e = Assert.IsType<CircuitOpened>(Assert.Single(events));
        Assert.Equal(T0.AddSeconds(30), e.Until);
        Assert.Equal(3, opened.Failures);
    }

    [Fact]
    public void A_success_resets_the_failure_streak()
    {
        var health = FailTimes(ModelHealth.Initial, 2).OnSuccess(T0, 100, false, Policy).State;
        health = FailTimes(health, 2);
        Assert.Equal(CircuitState.Closed, health.Circuit);
    }

    [Fact]
    public void An_open_circuit_rejects_until_its_time_then_admits_exactly_one_probe()
    {
        var open = FailTimes(ModelHealth.Initial, 3);
        var (_, early) = open.Admit(T0.AddSeconds(10));
        var rejected = Assert.IsType<Admission.Rejected>(early);
        Assert.Equal(T0.AddSeconds(30), rejected.RetryAt);

        var (halfOpen, probe) = open.Admit(T0.AddSeconds(31));
        Assert.Equal(new Admission.Admitted(IsProbe: true), probe);
        Assert.Equal(CircuitState.HalfOpen, halfOpen.Circuit);

        var (_, second) = halfOpen.Admit(T0.AddSeconds(31));
        Assert.IsType<Admission.Rejected>(second);
    }

    [Fact]
    public void A_successful_probe_closes_the_circuit()
    {
        var (halfOpen, _) = FailTimes(ModelHealth.Initial, 3).Admit(T0.AddSeconds(31));
        var (closed, events) = halfOpen.OnSuccess(T0.AddSeconds(32), 50, wasProbe: true, Policy);
        Assert.Equal(CircuitState.Closed, closed.Circuit);
        Assert.IsType<CircuitClosed>(Assert.Single(events));
        Assert.Equal(new Admission.Admitted(false), closed.Admit(T0.AddSeconds(33)).Admission);
    }

    [Fact]
    public void A_failed_probe_reopens_for_twice_as_long()
    {
        var (halfOpen, _) = FailTimes(ModelHealth.Initial, 3).Admit(T0.AddSeconds(31));
        var (reopened, events) = halfOpen.OnFailure(T0.AddSeconds(32), Error(UpstreamErrorKind.ServerError), wasProbe: true, Policy);
        var e = Assert.IsType<CircuitOpened>(Assert.Single(events));
        Assert.Equal(CircuitState.Open, reopened.Circuit);
        Assert.Equal(2, e.Opens);
        Assert.Equal(T0.AddSeconds(32 + 60), e.Until);
        Assert.False(reopened.ProbeInFlight);
    }

    [Fact]
    public void Open_periods_are_capped()
    {
        var health = FailTimes(ModelHealth.Initial, 3);
        for (var i = 0; i < 6; i++)
        {
            var now = health.OpenUntil!.Value.AddSeconds(1);
            health = health.Admit(now).State.OnFailure(now, Error(UpstreamErrorKind.ServerError), true, Policy).State;
        }
        Assert.Equal(TimeSpan.FromMinutes(2), health.OpenUntil - health.LastFailureAt);
    }

    [Fact]
    public void An_abandoned_probe_frees_the_slot()
    {
        var (halfOpen, _) = FailTimes(ModelHealth.Initial, 3).Admit(T0.AddSeconds(31));
        var freed = halfOpen.OnAbandoned(wasProbe: true);
        Assert.Equal(new Admission.Admitted(IsProbe: true), freed.Admit(T0.AddSeconds(31)).Admission);
    }

    [Fact]
    public void A_rate_limit_rests_the_model_until_retry_after_without_touching_the_circuit()
    {
        var (limited, events) = ModelHealth.Initial.OnFailure(T0, Error(UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(20)), false, Policy);
        var e = Assert.IsType<CooldownStarted>(Assert.Single(events));
        Assert.True(e.RateLimited);
        Assert.Equal(T0.AddSeconds(20), e.Until);
        Assert.Equal(CircuitState.Closed, limited.Circuit);
        Assert.Equal(T0.AddSeconds(20), Assert.IsType<Admission.Rejected>(limited.Admit(T0.AddSeconds(5)).Admission).RetryAt);
        Assert.IsType<Admission.Admitted>(limited.Admit(T0.AddSeconds(21)).Admission);
    }

    [Fact]
    public void A_retry_after_of_decades_rests_the_model_only_up_to_the_cooldown_cap()
    {
        var policy = Policy with { MaxCooldown = TimeSpan.FromHours(1) };
        var (limited, events) = ModelHealth.Initial.OnFailure(T0, Error(UpstreamErrorKind.RateLimited, TimeSpan.FromSeconds(int.MaxValue)), false, policy);
        Assert.Equal(T0.AddHours(1), Assert.IsType<CooldownStarted>(Assert.Single(events)).Until);
        Assert.IsType<Admission.Admitted>(limited.Admit(T0.AddHours(1).AddSeconds(1)).Admission);
    }

    [Fact]
    public void Rate_limits_without_retry_after_back_off_exponentially()
    {
        var health = ModelHealth.Initial;
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            var (next, events) = health.OnFailure(T0, Error(UpstreamErrorKind.RateLimited), false, Policy);
            waits.Add(((CooldownStarted)events[0]).Until - T0);
            health = next;
        }
        Assert.Equal([5, 10, 20, 40], waits.Select(w => w.TotalSeconds));
        Assert.Equal(0, health.OnSuccess(T0, 1, false, Policy).State.RateLimitStreak);
    }

    [Fact]
    public void An_unavailable_model_cools_down_for_the_configured_time()
    {
        var (state, events) = ModelHealth.Initial.OnFailure(T0, Error(UpstreamErrorKind.ModelUnavailable), false, Policy);
        Assert.Equal(T0 + Policy.UnavailableCooldown, Assert.IsType<CooldownStarted>(Assert.Single(events)).Until);
        Assert.Equal(T0 + Policy.UnavailableCooldown, state.BlockedUntil(T0));
    }

    [Theory]
    [InlineData(UpstreamErrorKind.BadRequest)]
    [InlineData(UpstreamErrorKind.Unauthorized)]
    [InlineData(UpstreamErrorKind.PaymentRequired)]
    [InlineData(UpstreamErrorKind.Forbidden)]
    [InlineData(UpstreamErrorKind.ContextLengthExceeded)]
    public void The_callers_errors_do_not_count_against_the_model(UpstreamErrorKind kind)
    {
        var health = FailTimes(ModelHealth.Initial, 10, kind);
        Assert.Equal(CircuitState.Closed, health.Circuit);
        Assert.Equal(0, health.Failures);
        Assert.Null(health.BlockedUntil(T0));
    }

    [Fact]
    public void Latency_is_an_exponential_moving_average()
    {
        var health = ModelHealth.Initial.OnSuccess(T0, 100, false, Policy).State;
        Assert.Equal(100, health.LatencyEwmaMs);
        health = health.OnSuccess(T0, 200, false, Policy).State;
        Assert.Equal(120, health.LatencyEwmaMs!.Value, 6);
    }

    [Fact]
    public void Replaying_the_events_rebuilds_the_circuit_and_cooldown()
    {
        var live = ModelHealth.Initial;
        var journal = new List<IModelEvent>();
        foreach (var error in new[] { UpstreamErrorKind.ServerError, UpstreamErrorKind.Timeout, UpstreamErrorKind.Network })
        {
            var (next, events) = live.OnFailure(T0, Error(error), false, Policy);
            live = next;
            journal.AddRange(events);
        }
        var (limited, more) = live.OnFailure(T0, Error(UpstreamErrorKind.RateLimited, TimeSpan.FromMinutes(1)), false, Policy);
        journal.AddRange(more);

        var replayed = journal.Aggregate(ModelHealth.Initial, (h, e) => h.Apply(e));
        Assert.Equal(limited.Circuit, replayed.Circuit);
        Assert.Equal(limited.OpenUntil, replayed.OpenUntil);
        Assert.Equal(limited.CooldownUntil, replayed.CooldownUntil);
    }

    [Fact]
    public void A_snapshot_round_trips_and_a_half_open_circuit_comes_back_open()
    {
        var (halfOpen, _) = FailTimes(ModelHealth.Initial, 3).Admit(T0.AddSeconds(31));
        var restored = ModelHealth.FromSnapshot(halfOpen.ToSnapshot());
        Assert.Equal(CircuitState.Open, restored.Circuit);
        Assert.False(restored.ProbeInFlight);
        Assert.Equal(halfOpen.Failures, restored.Failures);
        Assert.Equal(new Admission.Admitted(IsProbe: true), restored.Admit(T0.AddSeconds(32)).Admission);
    }

    [Fact]
    public void A_streamed_answer_measures_time_to_first_token_and_tokens_per_second_after_it()
    {
        var speed = CallSpeed.Of(totalMs: 1_200, firstTokenMs: 200, completionTokens: 50);
        Assert.Equal(200, speed.LatencyMs);
        Assert.Equal(50.0, speed.TokensPerSecond);

        var health = ModelHealth.Initial.OnSuccess(T0, speed, false, Policy).State;
        Assert.Equal(new ModelPerformance(200, 50, 0), health.Performance);
        health = health.OnSuccess(T0, CallSpeed.Of(2_400, 400, 100), false, Policy).State;
        Assert.Equal(200 + Policy.LatencyEwmaAlpha * 200, health.Performance.FirstTokenMs!.Value, 6);
        Assert.Equal(50, health.Performance.TokensPerSecond!.Value, 6);
    }

    [Fact]
    public void A_plain_answer_measures_tokens_per_second_over_the_whole_call_and_no_first_token()
    {
        var speed = CallSpeed.Of(totalMs: 500, firstTokenMs: null, completionTokens: 25);
        Assert.Equal(new CallSpeed(500, null, 50), speed);
        Assert.Null(CallSpeed.Of(500, null, completionTokens: null).TokensPerSecond);
        var health = ModelHealth.Initial.OnSuccess(T0, speed, false, Policy).State;
        Assert.Null(health.Performance.FirstTokenMs);
        Assert.Equal(500, health.LatencyEwmaMs);
    }

    [Fact]
    public void The_error_rate_counts_the_models_failures_not_the_callers()
    {
        var health = ModelHealth.Initial;
        Assert.Null(health.Performance.ErrorRate);
        health = health.OnFailure(T0, Error(UpstreamErrorKind.InvalidRequest), false, Policy).State;
        Assert.Null(health.Performance.ErrorRate);
        health = health.OnFailure(T0, Error(UpstreamErrorKind.ServerError), false, Policy).State;
        Assert.Equal(Policy.ErrorRateAlpha, health.Performance.ErrorRate!.Value, 9);
        health = health.OnSuccess(T0, 100, false, Policy).State;
        Assert.Equal(Policy.ErrorRateAlpha * (1 - Policy.ErrorRateAlpha), health.Performance.ErrorRate!.Value, 9);
    }

    [Fact]
    public void Measurements_survive_a_snapshot()
    {
        var health = ModelHealth.Initial.OnSuccess(T0, CallSpeed.Of(1_000, 100, 90), false, Policy).State;
        health = FailTimes(health, 1);
        Assert.Equal(health.Performance, ModelHealth.FromSnapshot(health.ToSnapshot()).Performance);
        Assert.Equal(health.Performance, health.View(new ModelId("m"), T0, 0).Performance);
    }
}
