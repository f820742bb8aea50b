using Microsoft.Extensions.Time.Testing;
using Akka.Actor;
using Akka.TestKit;
using Router.Actors.Catalog;
using Router.Actors.OpenRouter;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Routing;

/// <summary>The coordinator against a probe standing in for the model shards.</summary>
public class CoordinatorActorTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output)
{
    private readonly ModelHealthBoard _board = new();

    private (TestProbe Region, IActorRef Coordinator) Start(RoutingSettings? settings = null, params string[] catalog) =>
        Start(TimeProvider.System, settings, catalog);

    private (TestProbe Region, IActorRef Coordinator) Start(TimeProvider time, RoutingSettings? settings, params string[] catalog)
    {
        var (region, context) = Context(settings, catalog, time);
        return (region, Sys.ActorOf(CoordinatorActor.Props(context)));
    }

    private (TestProbe Region, RoutingContext Context) Context(RoutingSettings? settings = null, string[]? catalog = null, TimeProvider? time = null) =>
        Context((catalog ?? []).Select((id, i) => SyntheticCatalog.Model(id, 100000 - i)).ToList(), settings, time);

    private (TestProbe Region, RoutingContext Context) Context(IReadOnlyList<ModelInfo> models, RoutingSettings? settings = null, TimeProvider? time = null)
    {
        var replica = new CatalogReplica();
        replica.Apply(new CatalogUpdated(models, DateTimeOffset.UtcNow, 1, 1, 0, null, null));
        var region = CreateTestProbe();
        return (region, new RoutingContext(region, replica, _board, settings ?? new RoutingSettings { AttemptTimeout = TimeSpan.FromSeconds(3) }, time ?? TimeProvider.System));
    }

    private static RouteRequest Route(string? model = null, bool stream = false, bool strict = false) =>
        new(new ChatCompletionRequest { Model = model, Messages = [ChatMessage.Text("user", "hi")] }, stream, strict);

    private static UpstreamCompletion Answer(string model) =>
        UpstreamCompletion.From(new() { Model = model, Choices = [new ChatChoice { Message = ChatMessage.Text("assistant", "ok") }] });

    private static UpstreamError Fail(int status, TimeSpan? retryAfter = null) => ErrorClassifier.FromStatus(status, $"HTTP {status}", retryAfter);

    private Coordinators StartCoordinators(RoutingContext context) =>
        new(Sys.ActorOf(CoordinatorActor.PoolProps(context), "coordinators"), context);

    [Fact]
    public async Task The_coordinator_pool_answers_its_caller_with_the_route_result()
    {
        var (region, context) = Context(null, ["cat/a", "req/x"]);
        var coordinators = StartCoordinators(context);
        var routing = coordinators.RouteAsync(Route("req/x"));
        var call = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptFailed(call.AttemptId, call.ModelId, Fail(503)));
        var second = region.ExpectMsg<CallModel>();
        region.Reply(new Completed(second.AttemptId, second.ModelId, Answer("cat/a"), 5));
        var result = Assert.IsType<RouteCompleted>(await routing.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal("cat/a", result.Model.Value);
    }

    [Fact]
    public void A_crash_in_one_route_fails_that_route_only()
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b");
        var crashing = CreateTestProbe();
        var healthy = CreateTestProbe();
        coordinator.Tell(Route("cat/a"), crashing);
        var first = region.ExpectMsg<CallModel>();
        coordinator.Tell(Route("cat/b"), healthy);
        var second = region.ExpectMsg<CallModel>();

        // A reply the session cannot handle (no error where one must be) throws inside that session.
        region.Reply(new AttemptFailed(first.AttemptId, first.ModelId, null!));
        var failed = crashing.ExpectMsg<RouteFailed>();
        Assert.Equal(UpstreamErrorKind.Internal, failed.Error.Kind);
        Assert.Equal(500, failed.Error.StatusCode);

        // The coordinator did not restart: the other route is still there and completes.
        coordinator.Tell(new Completed(second.AttemptId, second.ModelId, Answer("cat/b"), 3), region.Ref);
        Assert.Equal("cat/b", healthy.ExpectMsg<RouteCompleted>().Model.Value);
    }

    [Fact]
    public async Task A_caller_that_goes_away_is_cancelled_at_once_and_so_is_its_call_in_flight()
    {
        var (region, context) = Context(null, ["cat/a", "req/x"]);
        var coordinators = StartCoordinators(context);
        using var cancellation = new CancellationTokenSource();
        var routing = coordinators.RouteAsync(Route("req/x"), cancellation.Token);
        var call = region.ExpectMsg<CallModel>();
        cancellation.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => routing.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(call.AttemptId, region.ExpectMsg<CancelCall>().AttemptId);
    }

    [Fact]
    public async Task A_coordinator_that_stops_fails_the_routes_it_holds_instead_of_leaving_them_waiting()
    {
        var (region, context) = Context(null, ["cat/a", "req/x"]);
        var coordinators = StartCoordinators(context);
        var routing = coordinators.RouteAsync(Route("req/x"));
        region.ExpectMsg<CallModel>();
        Sys.ActorSelection("/user/coordinators/*").Tell(PoisonPill.Instance);
        var failed = Assert.IsType<RouteFailed>(await routing.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("coordinator stopped", failed.Error.Message);
        Assert.True(failed.Error.ShouldFallback); // another node may serve a retry
    }

    [Fact]
    public void Falls_back_in_priority_order_until_a_model_answers()
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b", "cat/c", "req/x");
        coordinator.Tell(Route("req/x"));

        var first = region.ExpectMsg<CallModel>();
        Assert.Equal("req/x", first.ModelId.Value);
        region.Reply(new AttemptFailed(first.AttemptId, first.ModelId, Fail(503)));

        var second = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/a", second.ModelId.Value);
        region.Reply(new AttemptFailed(second.AttemptId, second.ModelId, Fail(429, TimeSpan.FromSeconds(30))));

        var third = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/b", third.ModelId.Value);
        region.Reply(new Completed(third.AttemptId, third.ModelId, Answer("cat/b"), 12));

        var result = ExpectMsg<RouteCompleted>();
        Assert.Equal("cat/b", result.Model.Value);
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Failed, AttemptOutcome.Ok], result.Attempts.Select(a => a.Outcome));
        Assert.Equal(["req/x", "cat/a", "cat/b"], result.Attempts.Select(a => a.Model.Value));
        Assert.NotNull(_board.BlockedUntil(new ModelId("cat/a"), DateTimeOffset.UtcNow));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(402)]
    [InlineData(403)]
    public void Stops_at_errors_every_model_would_repeat(int status)
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var first = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptFailed(first.AttemptId, first.ModelId, Fail(status)));
        var failed = ExpectMsg<RouteFailed>();
        Assert.Equal(status, failed.Error.StatusCode);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Skips_models_the_board_knows_are_resting()
    {
        _board.Block(new ModelId("cat/a"), DateTimeOffset.UtcNow.AddMinutes(1));
        var (region, coordinator) = Start(null, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var sent = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/b", sent.ModelId.Value);
        region.Reply(new Completed(sent.AttemptId, sent.ModelId, Answer("cat/b"), 1));
        var result = ExpectMsg<RouteCompleted>();
        Assert.Equal(AttemptOutcome.Skipped, result.Attempts[0].Outcome);
    }

    [Fact]
    public void A_rejection_moves_on_and_is_remembered()
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var first = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptRejected(first.AttemptId, first.ModelId, RestReason.CircuitOpen, DateTimeOffset.UtcNow.AddMinutes(1)));
        var second = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/b", second.ModelId.Value);
        region.Reply(new Completed(second.AttemptId, second.ModelId, Answer("cat/b"), 1));
        ExpectMsg<RouteCompleted>();
        Assert.NotNull(_board.BlockedUntil(new ModelId("cat/a"), DateTimeOffset.UtcNow));
    }

    [Fact]
    public void When_every_candidate_rests_it_waits_for_the_earliest_that_fits_the_deadline()
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var a = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptRejected(a.AttemptId, a.ModelId, RestReason.RateLimited, DateTimeOffset.UtcNow.AddMilliseconds(900)));
        var b = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptRejected(b.AttemptId, b.ModelId, RestReason.RateLimited, DateTimeOffset.UtcNow.AddMilliseconds(500)));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var retry = region.ExpectMsg<CallModel>(TimeSpan.FromSeconds(10));
        Assert.Equal("cat/b", retry.ModelId.Value); // the earliest to come back goes first
        Assert.True(watch.ElapsedMilliseconds >= 300, $"asked again after {watch.ElapsedMilliseconds} ms, before cat/b came back");
        region.Reply(new Completed(retry.AttemptId, retry.ModelId, Answer("cat/b"), 1));
        ExpectMsg<RouteCompleted>();
    }

    [Fact]
    public void Does_not_wait_past_the_deadline()
    {
        var (region, coordinator) = Start(new RoutingSettings { RequestTimeout = TimeSpan.FromSeconds(2), AttemptTimeout = TimeSpan.FromSeconds(1) }, "cat/a");
        coordinator.Tell(Route());
        var a = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptRejected(a.AttemptId, a.ModelId, RestReason.RateLimited, DateTimeOffset.UtcNow.AddMinutes(5)));
        var failed = ExpectMsg<RouteFailed>();
        Assert.True(failed.Error.RateLimited);
        Assert.InRange(failed.Error.RetryAfter!.Value.TotalSeconds, 250, 301);
    }

    [Fact]
    public void An_attempt_that_times_out_is_cancelled_and_the_next_candidate_tried()
    {
        var (region, coordinator) = Start(new RoutingSettings { AttemptTimeout = TimeSpan.FromMilliseconds(300) }, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var a = region.ExpectMsg<CallModel>();
        var cancel = region.ExpectMsg<CancelCall>(TimeSpan.FromSeconds(2));
        Assert.Equal(a.AttemptId, cancel.AttemptId);
        var b = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/b", b.ModelId.Value);
        region.Reply(new Completed(a.AttemptId, a.ModelId, Answer("cat/a"), 1)); // late: ignored
        region.Reply(new Completed(b.AttemptId, b.ModelId, Answer("cat/b"), 1));
        Assert.Equal("cat/b", ExpectMsg<RouteCompleted>().Model.Value);
    }

    private static readonly RoutingSettings Liveness = new()
    {
        AttemptTimeout = TimeSpan.FromMinutes(1), CallCheckAfter = TimeSpan.FromMilliseconds(100), UnreachableAfter = TimeSpan.FromMilliseconds(400),
    };

    [Fact]
    public void An_attempt_whose_model_actor_stays_silent_moves_on_long_before_its_timeout_without_touching_the_model()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (region, coordinator) = Start(time, Liveness, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var a = region.ExpectMsg<CallModel>();
        time.Advance(Liveness.CallCheckAfter);
        Assert.Equal(a.AttemptId, region.ExpectMsg<GetCallStatus>(TimeSpan.FromSeconds(5)).AttemptId); // asked after; no answer
        time.Advance(Liveness.UnreachableAfter); // silent past the liveness limit, far from the one-minute attempt timeout
        region.FishForMessage(m => m is CancelCall c && c.AttemptId == a.AttemptId, TimeSpan.FromSeconds(5));
        var b = region.FishForMessage<CallModel>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal("cat/b", b.ModelId.Value);
        region.Reply(new Completed(b.AttemptId, b.ModelId, Answer("cat/b"), 1));

        var result = ExpectMsg<RouteCompleted>();
        Assert.Equal([AttemptOutcome.Failed, AttemptOutcome.Ok], result.Attempts.Select(x => x.Outcome));
        Assert.Contains("did not answer", result.Attempts[0].Reason);
        Assert.NotNull(_board.BlockedUntil(new ModelId("cat/a"), time.GetUtcNow())); // this node skips it while its shard moves
    }

    [Fact]
    public void An_attempt_its_model_actor_reports_running_is_waited_for()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (region, coordinator) = Start(time, Liveness, "cat/a", "cat/b");
        coordinator.Tell(Route());
        var a = region.ExpectMsg<CallModel>();
        // Ten checks, each answered: 2.5 times the liveness limit. The clock moves in half-steps until the next check
        // comes (an answer read after a step counts from that step), so no answered attempt is ever silent for the limit.
        for (var i = 0; i < 10; i++)
        {
            GetCallStatus? status = null;
            while (status is null)
            {
                time.Advance(Liveness.CallCheckAfter / 2);
                status = region.ReceiveOne(TimeSpan.FromMilliseconds(300)) as GetCallStatus;
            }
            region.Reply(new CallInProgress(status.AttemptId, status.ModelId));
        }
        region.Reply(new Completed(a.AttemptId, a.ModelId, Answer("cat/a"), 1));
        Assert.Equal("cat/a", ExpectMsg<RouteCompleted>().Model.Value);
    }

    [Fact]
    public void A_model_actor_that_reports_a_call_running_is_asked_directly_not_through_the_region()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (region, coordinator) = Start(time, Liveness, "cat/a", "cat/b");
        var modelActor = CreateTestProbe();
        coordinator.Tell(Route());
        var a = region.ExpectMsg<CallModel>();
        // As a model actor does when its shard starts handing off with the call in flight.
        coordinator.Tell(new CallInProgress(a.AttemptId, a.ModelId), modelActor);
        for (var i = 0; i < 6; i++) // three times the liveness limit
        {
            GetCallStatus? status = null;
            for (var tries = 0; status is null; tries++)
            {
                Assert.True(tries < 10, "no status check reached the model actor");
                time.Advance(Liveness.CallCheckAfter / 2);
                status = modelActor.ReceiveOne(TimeSpan.FromMilliseconds(300)) as GetCallStatus;
            }
            modelActor.Reply(new CallInProgress(status.AttemptId, status.ModelId));
        }
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the region, holding a moving shard's messages, is left out
        coordinator.Tell(new Completed(a.AttemptId, a.ModelId, Answer("cat/a"), 1), modelActor);
        Assert.Equal("cat/a", ExpectMsg<RouteCompleted>().Model.Value);
    }

    private (TestProbe Region, IActorRef Coordinator) StartWith(params ModelInfo[] models)
    {
        var (region, context) = Context(models);
        return (region, Sys.ActorOf(CoordinatorActor.Props(context)));
    }

    private static RouteRequest Constrained(string model, RouterOptions options, string text = "hi") =>
        new(new ChatCompletionRequest { Model = model, Messages = [ChatMessage.Text("user", text)], RouterOptions = options }, false, false);

    [Fact]
    public void Models_outside_the_requests_constraints_are_skipped_with_the_reason()
    {
        var (region, coordinator) = StartWith(SyntheticCatalog.Model("cat/priced", 200_000), SyntheticCatalog.Model("cat/free:free", 100_000, promptPrice: 0));
        coordinator.Tell(Constrained("cat/priced", new RouterOptions { FreeOnly = true }));
        var call = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/free:free", call.ModelId.Value);
        region.Reply(new Completed(call.AttemptId, call.ModelId, Answer("cat/free:free"), 1));
        var attempts = ExpectMsg<RouteCompleted>().Attempts;
        Assert.Equal((AttemptOutcome.Skipped, RouteConstraints.NotFree), (attempts[0].Outcome, attempts[0].Reason));
    }

    [Fact]
    public void Constraints_that_leave_no_model_answer_400_naming_them_without_a_call()
    {
        var (region, coordinator) = StartWith(SyntheticCatalog.Model("cat/big", 200_000), SyntheticCatalog.Model("cat/small", 4096, promptPrice: 0));
        // 8,000 characters: about 2,000 tokens, plus 3,000 max_tokens: too much for the small model's 4,096.
        var request = Constrained("cat/big", new RouterOptions { FreeOnly = true }, new string('x', 8000));
        coordinator.Tell(request with { Request = request.Request with { MaxTokens = 3000 } });
        var failed = ExpectMsg<RouteFailed>();
        Assert.Equal(UpstreamErrorKind.NoCandidate, failed.Error.Kind);
        Assert.Equal(400, failed.Error.StatusCode);
        Assert.Contains("not free (router.free_only): 1 model", failed.Error.Message);
        Assert.Contains("context too small: 1 model", failed.Error.Message);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Attempts_are_capped()
    {
        var (region, coordinator) = Start(new RoutingSettings { MaxAttempts = 2, AttemptTimeout = TimeSpan.FromSeconds(3) }, "cat/a", "cat/b", "cat/c");
        coordinator.Tell(Route());
        for (var i = 0; i < 2; i++)
        {
            var c = region.ExpectMsg<CallModel>();
            region.Reply(new AttemptFailed(c.AttemptId, c.ModelId, Fail(500)));
        }
        var failed = ExpectMsg<RouteFailed>();
        Assert.Equal(2, failed.Attempts.Count);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Strict_routes_never_fall_back()
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b");
        coordinator.Tell(Route("cat/a", strict: true));
        var a = region.ExpectMsg<CallModel>();
        region.Reply(new AttemptFailed(a.AttemptId, a.ModelId, Fail(503)));
        Assert.Equal(503, ExpectMsg<RouteFailed>().Error.StatusCode);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void No_candidates_fails_at_once_with_503()
    {
        var (_, coordinator) = Start();
        coordinator.Tell(Route());
        var failed = ExpectMsg<RouteFailed>();
        Assert.Equal(UpstreamErrorKind.ModelUnavailable, failed.Error.Kind);
        Assert.Equal(503, failed.Error.StatusCode);
    }

    [Fact]
    public void Streaming_routes_ask_for_streams()
    {
        var (region, coordinator) = Start(null, "cat/a");
        coordinator.Tell(Route(stream: true));
        var s = region.ExpectMsg<StartStream>();
        region.Reply(new AttemptFailed(s.AttemptId, s.ModelId, Fail(500)));
        ExpectMsg<RouteFailed>();
    }

    [Fact]
    public void Cancelling_the_route_cancels_the_call_in_flight()
    {
        var (region, coordinator) = Start(null, "cat/a");
        coordinator.Tell(Route() with { RouteId = "gone" });
        var a = region.ExpectMsg<CallModel>();
        coordinator.Tell(new CancelRoute("gone"));
        Assert.Equal(a.AttemptId, region.ExpectMsg<CancelCall>().AttemptId);
        region.Reply(new Completed(a.AttemptId, a.ModelId, Answer("cat/a"), 1)); // late: nobody to answer
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void One_coordinator_routes_many_requests_independently()
    {
        var (region, coordinator) = Start(null, "cat/a", "cat/b", "req/one", "req/two");
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        coordinator.Tell(Route("req/one") with { RouteId = "one" }, first.Ref);
        coordinator.Tell(Route("req/two") with { RouteId = "two" }, second.Ref);
        var one = region.ExpectMsg<CallModel>();
        var two = region.ExpectMsg<CallModel>();
        Assert.Equal(["req/one", "req/two"], new[] { one.ModelId.Value, two.ModelId.Value });

        // The second fails over while the first is still waiting; then both answer, in reverse order.
        region.Reply(new AttemptFailed(two.AttemptId, two.ModelId, Fail(503)));
        var twoAgain = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/a", twoAgain.ModelId.Value);
        region.Reply(new Completed(twoAgain.AttemptId, twoAgain.ModelId, Answer("cat/a"), 1));
        region.Reply(new Completed(one.AttemptId, one.ModelId, Answer("req/one"), 1));

        Assert.Equal("cat/a", second.ExpectMsg<RouteCompleted>().Model.Value);
        Assert.Equal("req/one", first.ExpectMsg<RouteCompleted>().Model.Value);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void Ids_outside_the_catalog_are_skipped_without_a_call()
    {
        var (region, coordinator) = Start(null, "cat/a");
        coordinator.Tell(new RouteRequest(new ChatCompletionRequest
        {
            Model = "made/up", Models = ["also/made-up", "cat/a"], Messages = [ChatMessage.Text("user", "hi")],
        }, Stream: false));
        var call = region.ExpectMsg<CallModel>();
        Assert.Equal("cat/a", call.ModelId.Value);
        region.Reply(new Completed(call.AttemptId, call.ModelId, Answer("cat/a"), 1));
        var result = ExpectMsg<RouteCompleted>();
        Assert.Equal(["made/up", "also/made-up", "cat/a"], result.Attempts.Select(a => a.Model.Value));
        Assert.Equal(["not in catalog", "not in catalog", null], result.Attempts.Select(a => a.Reason));
    }

    [Fact]
    public void A_strict_route_to_an_id_outside_the_catalog_fails_without_a_call_as_the_clients_error()
    {
        var (region, coordinator) = Start(null, "cat/a");
        coordinator.Tell(Route("made/up", strict: true));
        var failed = ExpectMsg<RouteFailed>();
        Assert.Equal(UpstreamErrorKind.UnknownModel, failed.Error.Kind);
        Assert.Equal(400, failed.Error.StatusCode);
        Assert.False(failed.Error.ShouldFallback);
        Assert.Contains("'made/up' is not a valid model id", failed.Error.Message);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Route_ids_name_the_attempts_sent_to_the_models()
    {
        var (region, coordinator) = Start(null, "cat/a");
        coordinator.Tell(Route() with { RouteId = "req-node1-7" });
        Assert.Equal("req-node1-7-0", region.ExpectMsg<CallModel>().AttemptId);
    }
}
