using Akka.Actor;
using Router.Actors.Models;
using Router.Actors.OpenRouter;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Models;

/// <summary>A model actor handing a stream to a requester on another actor system (another node), over real remoting.</summary>
public class RemoteStreamTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Cluster), output), IAsyncLifetime
{
    private static readonly ModelId Id = new("test/alpha");
    private FakeOpenRouterServer _fake = null!;
    private OpenRouterClient _client = null!;
    private ActorSystem _other = null!;

    public async Task InitializeAsync()
    {
        _fake = await Fakes.StartAsync((Id.Value, new FakeBehavior { Content = string.Join(' ', Enumerable.Repeat("tok", 300)), TokensPerSecond = 50 }));
        _client = new OpenRouterClient(Fakes.ClientOptions(_fake) with { RetryAttempts = 1 });
        // Another node: stream refs arrive there, so it knows Akka.Streams' serializer for them as a node does.
        _other = TestActorSystems.Create(AkkaConfigs.Cluster, Sys.Name);
    }

    public async Task DisposeAsync()
    {
        await _other.Terminate();
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task A_stream_ref_sent_to_another_node_and_never_claimed_ends_its_call()
    {
        var actor = Sys.ActorOf(ModelActor.Props(Id, new ModelActorSettings(_client, new HealthPolicy(), TimeProvider.System)
        {
            StreamClaimTimeout = TimeSpan.FromMilliseconds(500),
        }));
        // The requester lives on the other system: the actor must hand out a stream ref, not the local source.
        var requester = CreateTestProbe(_other);
        var otherAddress = ((ExtendedActorSystem)_other).Provider.DefaultAddress;
        var remoteRequester = await Sys.ActorSelection(requester.Ref.Path.ToStringWithAddress(otherAddress)).ResolveOne(TimeSpan.FromSeconds(10));
        Assert.False(((IActorRefScope)remoteRequester).IsLocal);

        actor.Tell(new StartStream(Id, "s1", Fakes.Hello(Id.Value)), remoteRequester);
        var started = requester.ExpectMsg<StreamStarted>(TimeSpan.FromSeconds(10));
        Assert.IsNotType<SameNodeSourceRef<StreamItem>>(started.Stream);

        // Nobody subscribes to the ref: the upstream call is cancelled and the model actor lets go of it, uncounted.
        await Wait.UntilAsync(() => _fake.Script.CancelledCalls == 1, 15_000);
        await AwaitAssertAsync(() =>
        {
            actor.Tell(new GetModelHealth(Id));
            var view = ExpectMsg<ModelHealthView>();
            Assert.Equal(0, view.InFlight);
            Assert.Equal(0, view.Failures);
            Assert.Equal(0, view.Successes);
        }, TimeSpan.FromSeconds(10));
    }
}
