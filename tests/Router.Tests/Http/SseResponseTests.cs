using Akka.Actor;
using Akka.Streams;
using Microsoft.AspNetCore.Http;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.OpenRouter;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Node.Http;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Http;

/// <summary>The SSE writer against a real model actor streaming from the fake over HTTP.</summary>
public class SseResponseTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output), IAsyncLifetime
{
    private const string Model = "test/alpha";
    private FakeOpenRouterServer _fake = null!;
    private OpenRouterClient _client = null!;

    public async Task InitializeAsync()
    {
        _fake = await Fakes.StartAsync();
        // A stream that would run for minutes unless cut.
        _fake.Script.Set(Model, new FakeBehavior { Content = string.Join(' ', Enumerable.Repeat("tok", 10_000)), TokensPerSecond = 50 });
        _client = new OpenRouterClient(Fakes.ClientOptions(_fake) with { RetryAttempts = 1 });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task A_client_gone_before_the_first_byte_is_written_ends_the_upstream_call_at_once()
    {
        // The claim timeout is what used to end such a stream; make it far longer than the test may wait.
        var settings = new ModelActorSettings(_client, new HealthPolicy(), TimeProvider.System) { StreamClaimTimeout = TimeSpan.FromMinutes(5) };
        var model = Sys.ActorOf(ModelActor.Props(new ModelId(Model), settings));
        var context = new RoutingContext(model, new CatalogReplica(), new ModelHealthBoard(), new RoutingSettings(), TimeProvider.System);
        var coordinators = new Coordinators(Sys.ActorOf(CoordinatorActor.PoolProps(context)), context);

        model.Tell(new StartStream(new ModelId(Model), "s1", Fakes.Hello(Model)));
        var started = ExpectMsg<StreamStarted>(TimeSpan.FromSeconds(5));
        Assert.Equal(1, _fake.Script.ActiveStreams(Model));

        using var gone = new CancellationTokenSource();
        await gone.CancelAsync(); // the client left as the route answered
        var http = new DefaultHttpContext { RequestAborted = gone.Token };
        http.Response.Body = new MemoryStream();
        await SseResponse.WriteAsync(http, coordinators.Open(new RouteStreaming(started.Stream, started.ModelId, started.AttemptId, [])),
            Sys.Materializer(), gone.Token);

        await Wait.UntilAsync(() => _fake.Script.ActiveStreams(Model) == 0, 10_000);
        model.Tell(new GetModelHealth(new ModelId(Model)));
        var view = ExpectMsg<ModelHealthView>();
        Assert.Equal(0, view.InFlight);
        Assert.Equal(0, view.Failures);
    }
}
