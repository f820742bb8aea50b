using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Streams;
using Akka.Streams.Dsl;
using Router.Actors.Models;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Models;

/// <summary>A model actor against the fake OpenRouter over real HTTP.</summary>
public class ModelActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output), IAsyncLifetime
{
    private const string Model = "test/alpha";
    private static readonly ModelId Id = new(Model);
    private static readonly HealthPolicy Policy = new() { FailureThreshold = 3, OpenBase = TimeSpan.FromMilliseconds(600) };
    private FakeOpenRouterServer _fake = null!;
    private OpenRouterClient _client = null!;

    public async Task InitializeAsync()
    {
        _fake = await Fakes.StartAsync();
        _client = new OpenRouterClient(Fakes.ClientOptions(_fake) with { RetryAttempts = 1 });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    /// <summary>300 tokens at 50 a second: a stream still running when a test cuts it.</summary>
    private static readonly FakeBehavior SlowLongStream = new() { Content = string.Join(' ', Enumerable.Repeat("tok", 300)), TokensPerSecond = 50 };

    private ModelActorSettings Settings => new(_client, Policy, TimeProvider.System);

    private IActorRef Spawn(string? name = null) => Spawn(Settings, name);

    private IActorRef Spawn(ModelActorSettings settings, string? name = null) => Sys.ActorOf(ModelActor.Props(Id, settings), name);

    /// <summary>The upstream call was cancelled, and the model actor let go of it without counting a failure.</summary>
    private async Task CallEndsCancelledAsync(IActorRef actor)
    {
        await Wait.UntilAsync(() => _fake.Script.CancelledCalls == 1);
        await AwaitAssertAsync(() =>
        {
            actor.Tell(new GetModelHealth(Id));
            var view = ExpectMsg<ModelHealthView>();
            Assert.Equal(0, view.InFlight);
            Assert.Equal(0, view.Failures);
        });
    }

    private static CallModel Call(string attemptId) => new(Id, attemptId, Fakes.Hello(Model));

    /// <summary>Asks <paramref name="actor"/> for a stream ("s1") and answers the stream it hands out.</summary>
    private StreamStarted StartedStream(IActorRef actor)
    {
        actor.Tell(new StartStream(Id, "s1", Fakes.Hello(Model)));
        return ExpectMsg<StreamStarted>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_call_completes_and_counts_as_a_success()
    {
        var actor = Spawn();
        actor.Tell(Call("r1"));
        var done = ExpectMsg<Completed>(TimeSpan.FromSeconds(5));
        Assert.Equal("r1", done.AttemptId);
        Assert.Contains("Hello, world!", done.Completion.Response.Choices![0].Message!.ContentText);

        AwaitAssert(() =>
        {
            actor.Tell(new GetModelHealth(Id));
            var view = ExpectMsg<ModelHealthView>();
            Assert.Equal(1, view.Successes);
            Assert.NotNull(view.LatencyEwmaMs);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Failures_open_the_circuit_and_an_open_circuit_rejects_without_calling()
    {
        _fake.Script.Set(Model, new FakeBehavior { StatusCode = 500 });
        var actor = Spawn();
        for (var i = 0; i < 3; i++)
        {
            actor.Tell(Call("f" + i));
            Assert.Equal(UpstreamErrorKind.ServerError, ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5)).Error.Kind);
        }
        actor.Tell(Call("blocked"));
        var rejected = ExpectMsg<AttemptRejected>();
        Assert.Equal(RestReason.CircuitOpen, rejected.Reason);
        Assert.True(rejected.RetryAt > DateTimeOffset.UtcNow);
        Assert.Equal(3, _fake.Script.CallsTo(Model));
    }

    [Fact]
    public void A_half_open_circuit_lets_exactly_one_probe_through()
    {
        _fake.Script.Set(Model, new FakeBehavior { StatusCode = 500 });
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var actor = Spawn(Settings with { Time = time });
        for (var i = 0; i < 3; i++)
        {
            actor.Tell(Call("f" + i));
            ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5));
        }
        actor.Tell(new GetModelHealth(Id));
        var opened = ExpectMsg<ModelHealthView>();
        Assert.Equal(CircuitState.Open, opened.Circuit);
        time.Advance(opened.OpenUntil!.Value - time.GetUtcNow()); // the rest is over: half-open
        _fake.Script.Set(Model, new FakeBehavior { LatencyMs = 500 });

        for (var i = 0; i < 5; i++) actor.Tell(Call("p" + i));
        var rejections = ReceiveN(4, TimeSpan.FromSeconds(2)).Cast<AttemptRejected>().ToList();
        Assert.All(rejections, r => Assert.Equal(RestReason.ProbeInFlight, r.Reason));
        Assert.Equal("p0", ExpectMsg<Completed>(TimeSpan.FromSeconds(5)).AttemptId);
        Assert.Equal(4, _fake.Script.CallsTo(Model)); // 3 failures + 1 probe

        // The answer leaves before the actor counts it (one hop less per request): wait for the count.
        AwaitAssert(() =>
        {
            actor.Tell(new GetModelHealth(Id));
            Assert.Equal(CircuitState.Closed, ExpectMsg<ModelHealthView>().Circuit);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_429_rests_the_model_until_retry_after()
    {
        _fake.Script.Set(Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 30 });
        var actor = Spawn();
        actor.Tell(Call("r1"));
        var failed = ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5));
        Assert.True(failed.Error.RateLimited);
        Assert.Equal(TimeSpan.FromSeconds(30), failed.Error.RetryAfter);

        actor.Tell(Call("r2"));
        var rejected = ExpectMsg<AttemptRejected>();
        Assert.Equal(RestReason.RateLimited, rejected.Reason);
        Assert.InRange((rejected.RetryAt - DateTimeOffset.UtcNow).TotalSeconds, 25, 31);
        Assert.Equal(1, _fake.Script.CallsTo(Model));
    }

    [Fact]
    public void A_429_asking_for_decades_rests_the_model_only_for_the_cooldown_cap()
    {
        _fake.Script.Set(Model, new FakeBehavior { StatusCode = 429, RetryAfterSeconds = int.MaxValue });
        var actor = Spawn(Settings with { Policy = Policy with { MaxCooldown = TimeSpan.FromMinutes(2) } });
        actor.Tell(Call("r1"));
        Assert.Equal(TimeSpan.FromMinutes(2), ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5)).Error.RetryAfter);

        actor.Tell(Call("r2"));
        Assert.InRange((ExpectMsg<AttemptRejected>().RetryAt - DateTimeOffset.UtcNow).TotalMinutes, 1.5, 2);
    }

    [Fact]
    public void A_request_that_cannot_be_sent_fails_as_the_requests_fault_and_leaves_the_models_health_alone()
    {
        var unsendable = Fakes.Hello(Model) with
        {
            Messages = [new ChatMessage { Role = "user", Content = System.Text.Json.JsonDocument.Parse("\"\\ud800\"").RootElement.Clone() }],
        };
        var actor = Spawn();
        for (var i = 0; i < 2 * Policy.FailureThreshold; i++)
        {
            actor.Tell(new CallModel(Id, "bad" + i, unsendable));
            var failed = ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5));
            Assert.Equal(UpstreamErrorKind.InvalidRequest, failed.Error.Kind);
            Assert.False(failed.Error.ShouldFallback);
        }
        actor.Tell(new StartStream(Id, "bad-stream", unsendable));
        Assert.Equal(UpstreamErrorKind.InvalidRequest, ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5)).Error.Kind);
        Assert.Equal(0, _fake.Script.TotalCalls);

        actor.Tell(new GetModelHealth(Id));
        var view = ExpectMsg<ModelHealthView>();
        Assert.Equal(CircuitState.Closed, view.Circuit);
        Assert.Equal(0, view.Failures);
        Assert.Equal(0, view.InFlight);
        actor.Tell(Call("good"));
        ExpectMsg<Completed>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Several_calls_run_at_once()
    {
        // Calls that are never answered: all eight reach the upstream only if none waits for another to end.
        _fake.Script.Set(Model, new FakeBehavior { Hang = true });
        var actor = Spawn();
        for (var i = 0; i < 8; i++) actor.Tell(Call("c" + i));
        await Wait.UntilAsync(() => _fake.Script.CallsTo(Model) == 8);
        actor.Tell(new GetModelHealth(Id));
        Assert.Equal(8, ExpectMsg<ModelHealthView>().InFlight);
    }

    [Fact]
    public async Task A_stream_starts_after_its_first_token_and_carries_the_whole_answer()
    {
        var answer = string.Join(' ', Enumerable.Range(1, 20).Select(i => "w" + i));
        _fake.Script.Set(Model, new FakeBehavior { Content = answer, TokensPerSecond = 50 });
        var actor = Spawn();
        var started = StartedStream(actor);
        var items = await started.Stream.Source.RunWith(Sink.Seq<StreamItem>(), Sys.Materializer());
        var text = string.Concat(items.OfType<StreamChunk>().SelectMany(c => c.Chunk.Chunk.Choices ?? []).Select(c => c.Delta?.Content));
        Assert.Equal(answer, text);
        Assert.DoesNotContain(items, i => i is StreamFault);
        await AwaitAssertAsync(() =>
        {
            actor.Tell(new GetModelHealth(Id));
            var view = ExpectMsg<ModelHealthView>();
            Assert.Equal(1, view.Successes);
            // 20 tokens from the usage chunk over the ~380 ms after the first: about 53/s. The bound leaves room for a first
            // token read late on a busy machine, and still catches a rate taken over no time at all (the 1 ms floor: 20,000/s).
            Assert.NotNull(view.Performance?.FirstTokenMs);
            Assert.InRange(view.Performance!.TokensPerSecond!.Value, 1, 2 * 20 / 0.38);
            Assert.Equal(0, view.Performance.ErrorRate);
        });
    }

    [Fact]
    public void A_stream_that_fails_before_its_first_token_is_a_failed_attempt()
    {
        _fake.Script.Set(Model, new FakeBehavior { StatusCode = 503 });
        var actor = Spawn();
        actor.Tell(new StartStream(Id, "s1", Fakes.Hello(Model)));
        Assert.Equal(UpstreamErrorKind.ServerError, ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5)).Error.Kind);
    }

    [Fact]
    public async Task An_error_after_the_first_token_ends_the_stream_with_a_fault()
    {
        _fake.Script.Set(Model, new FakeBehavior { Content = "a b c d e", MidStreamErrorAfterChunks = 2 });
        var actor = Spawn();
        var started = StartedStream(actor);
        var items = await started.Stream.Source.RunWith(Sink.Seq<StreamItem>(), Sys.Materializer());
        var fault = Assert.IsType<StreamFault>(items[^1]);
        Assert.Equal(UpstreamErrorKind.StreamError, fault.Error.Kind);
        await AwaitAssertAsync(() =>
        {
            actor.Tell(new GetModelHealth(Id));
            Assert.Equal(1, ExpectMsg<ModelHealthView>().Failures);
        });
    }

    [Fact]
    public async Task Cancelling_the_stream_cancels_the_upstream_call()
    {
        _fake.Script.Set(Model, SlowLongStream);
        var actor = Spawn();
        var started = StartedStream(actor);
        var items = await started.Stream.Source.Take(3).RunWith(Sink.Seq<StreamItem>(), Sys.Materializer());
        Assert.Equal(3, items.Count);
        await CallEndsCancelledAsync(actor);
    }

    [Fact]
    public void An_idle_model_asks_to_be_passivated_but_not_while_a_call_is_in_flight()
    {
        _fake.Script.Set(Model, new FakeBehavior { Hang = true });
        var actor = ChildActorOf(ModelActor.Props(Id, Settings with { IdleTimeout = TimeSpan.FromMilliseconds(400) })); // this test is its parent, as a shard would be
        actor.Tell(Call("r1"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(900)); // idle for longer than the timeout, but a call hangs
        actor.Tell(new CancelCall(Id, "r1"));
        var passivate = ExpectMsg<Passivate>(TimeSpan.FromSeconds(3));
        Assert.Same(ModelActor.StopModel.Instance, passivate.StopMessage);
        ExpectNoMsg(TimeSpan.FromMilliseconds(600)); // asked once
    }

    [Fact]
    public void A_requester_on_the_same_node_gets_the_source_itself_not_a_stream_ref()
    {
        var actor = Spawn();
        Assert.IsType<SameNodeSourceRef<StreamItem>>(StartedStream(actor).Stream);
    }

    [Fact]
    public async Task A_stream_handed_out_but_never_read_is_cancelled_after_the_claim_timeout()
    {
        _fake.Script.Set(Model, SlowLongStream);
        var actor = Spawn(Settings with { StreamClaimTimeout = TimeSpan.FromMilliseconds(300) });
        StartedStream(actor); // and never read
        await CallEndsCancelledAsync(actor);
    }

    [Fact]
    public async Task CancelCall_ends_a_stream_handed_out_but_not_yet_read()
    {
        _fake.Script.Set(Model, SlowLongStream);
        var actor = Spawn();
        var started = StartedStream(actor);
        actor.Tell(new CancelCall(Id, "s1"));
        await CallEndsCancelledAsync(actor);
        // Read after the cancel: nothing more arrives, and the stream ends instead of hanging.
        var items = await started.Stream.Source.RunWith(Sink.Seq<StreamItem>(), Sys.Materializer()).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(items);
    }

    [Fact]
    public async Task CancelCall_stops_a_call_in_flight()
    {
        _fake.Script.Set(Model, new FakeBehavior { Hang = true });
        var actor = Spawn();
        actor.Tell(Call("r1"));
        await Wait.UntilAsync(() => _fake.Script.CallsTo(Model) == 1);
        actor.Tell(new CancelCall(Id, "r1"));
        await Wait.UntilAsync(() => _fake.Script.CancelledCalls == 1);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void The_circuit_survives_a_restart_of_the_actor()
    {
        _fake.Script.Set(Model, new FakeBehavior { StatusCode = 502 });
        var actor = Spawn("model-1");
        for (var i = 0; i < 3; i++)
        {
            actor.Tell(Call("f" + i));
            ExpectMsg<AttemptFailed>(TimeSpan.FromSeconds(5));
        }
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        ExpectTerminated(actor);

        var again = Spawn("model-2");
        again.Tell(new GetModelHealth(Id));
        var view = ExpectMsg<ModelHealthView>();
        Assert.Equal(CircuitState.Open, view.Circuit);
        again.Tell(Call("after-restart"));
        ExpectMsg<AttemptRejected>();
        Assert.Equal(3, _fake.Script.CallsTo(Model));
    }

    [Fact]
    public void Measurements_feed_the_statistics()
    {
        var actor = Spawn();
        actor.Tell(new RecordMeasurement(Id, true, 250, null));
        Assert.Equal(250, ExpectMsg<ModelHealthView>().LatencyEwmaMs);
        actor.Tell(new RecordMeasurement(Id, false, 0, new UpstreamError(UpstreamErrorKind.ServerError, 500, "boom", true)));
        var view = ExpectMsg<ModelHealthView>();
        Assert.Equal(1, view.Failures);
        Assert.Contains("boom", view.LastError);
    }

    [Fact]
    public void Stopping_for_hand_off_saves_the_counters_for_the_next_incarnation()
    {
        var actor = Spawn("first");
        actor.Tell(Call("r1"));
        ExpectMsg<Completed>(TimeSpan.FromSeconds(5));
        Watch(actor);
        actor.Tell(ModelActor.StopModel.Instance);
        ExpectTerminated(actor);

        var again = Spawn("second");
        again.Tell(new GetModelHealth(Id));
        var view = ExpectMsg<ModelHealthView>();
        Assert.Equal(1, view.Successes);
        Assert.NotNull(view.LatencyEwmaMs);
    }

    [Fact]
    public async Task A_hand_off_lets_the_calls_in_flight_finish_before_the_actor_stops()
    {
        _fake.Script.Set(Model, new FakeBehavior { LatencyMs = 700 });
        var actor = Spawn();
        Watch(actor);
        actor.Tell(Call("r1"));
        await Wait.UntilAsync(() => _fake.Script.CallsTo(Model) == 1);
        actor.Tell(ModelActor.StopModel.Instance); // the shard hands the model to another node
        // The requester hears where its call runs (the region would hold its checks until the shard has moved).
        Assert.Equal("r1", ExpectMsg<CallInProgress>().AttemptId);
        Assert.Equal(actor, LastSender);
        Assert.Equal("r1", ExpectMsg<Completed>(TimeSpan.FromSeconds(10)).AttemptId); // answered, not failed over
        ExpectTerminated(actor, TimeSpan.FromSeconds(10));

        var again = Spawn("after-hand-off");
        again.Tell(new GetModelHealth(Id));
        Assert.Equal(1, ExpectMsg<ModelHealthView>().Successes); // and its outcome was saved before it stopped
    }

    /// <summary>Writes one message into a persistence id's journal, as another writer would.</summary>
    private sealed class ForeignWriter : Akka.Persistence.ReceivePersistentActor
    {
        public ForeignWriter(string persistenceId, object message)
        {
            PersistenceId = persistenceId;
            Command<string>(_ => Persist(message, _ => Sender.Tell("written")));
        }

        public override string PersistenceId { get; }
    }

    [Fact]
    public void A_journal_entry_no_model_actor_wrote_fails_the_recovery_instead_of_being_ignored()
    {
        var writer = Sys.ActorOf(Props.Create(() => new ForeignWriter("model-" + Model, new QuotaUsed(1))));
        writer.Tell("go");
        ExpectMsg("written");
        Sys.Stop(writer);

        var actor = Spawn("recovers-foreign");
        Watch(actor);
        ExpectTerminated(actor, TimeSpan.FromSeconds(10)); // a recovery failure stops the actor
    }

    [Fact]
    public void A_snapshot_never_counts_an_event_twice_on_recovery()
    {
        // Each 429 without Retry-After doubles the rest (5 s, 10 s, 20 s, ...): the streak is event-sourced, so an
        // event replayed on top of a snapshot that already holds it would double the next rest once more.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var settings = new ModelActorSettings(_client, Policy, time) { SnapshotEvery = 1, SnapshotInterval = TimeSpan.Zero };
        var rateLimited = ErrorClassifier.Of(UpstreamErrorKind.RateLimited, "slow down", 429, Model);
        TimeSpan RestAfterA429(IActorRef actor)
        {
            actor.Tell(new RecordMeasurement(Id, false, 10, rateLimited));
            return ExpectMsg<ModelHealthView>().CooldownUntil!.Value - time.GetUtcNow();
        }

        var first = Spawn(settings, "streak-1");
        Assert.Equal(Policy.RateLimitBase, RestAfterA429(first)); // snapshot requested in the same turn as its event
        Watch(first);
        first.Tell(ModelActor.StopModel.Instance); // a hand-off: a last snapshot, then stop
        ExpectTerminated(first);

        time.Advance(TimeSpan.FromMinutes(1));
        var second = Spawn(settings, "streak-2");
        Assert.Equal(Policy.RateLimitBase * 2, RestAfterA429(second));
    }

    [Theory]
    [InlineData(0, 3)]     // every outcome snapshotted: a crash keeps all three
    [InlineData(3600, 1)]  // at most one snapshot an hour: a crash keeps the first only
    public void Counters_are_snapshotted_no_more_often_than_the_interval(int intervalSeconds, int successesAfterCrash)
    {
        var settings = Settings with { SnapshotEvery = 1, SnapshotInterval = TimeSpan.FromSeconds(intervalSeconds) };
        var actor = Spawn(settings, "busy-" + intervalSeconds);
        for (var i = 0; i < 3; i++)
        {
            actor.Tell(new RecordMeasurement(Id, true, 100, null));
            ExpectMsg<ModelHealthView>();
        }
        AwaitAssert(() =>
        {
            // The snapshot store answers asynchronously; a fresh incarnation reads what reached it.
            var probe = Spawn(settings);
            probe.Tell(new GetModelHealth(Id));
            Assert.Equal(successesAfterCrash, ExpectMsg<ModelHealthView>().Successes);
            Sys.Stop(probe);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        Watch(actor);
        actor.Tell(PoisonPill.Instance); // a crash, not a hand-off: no final snapshot
        ExpectTerminated(actor);
    }
}
