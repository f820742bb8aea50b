using Akka.Actor;
using Akka.Event;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Routing;

/// <summary>Messages whose loss with a dead node is expected and handled are not logged as dead letters.</summary>
public class DeadLetterTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output)
{
    [Fact]
    public void Liveness_checks_and_cancels_to_a_dead_actor_are_suppressed_other_messages_are_not()
    {
        Sys.EventStream.Subscribe(TestActor, typeof(DeadLetter));
        var gone = Sys.ActorOf(Props.Empty);
        Watch(gone);
        Sys.Stop(gone);
        ExpectTerminated(gone);

        var model = new ModelId("a/b");
        gone.Tell(new GetCallStatus(model, "r1"));
        gone.Tell(new CancelCall(model, "r1"));
        gone.Tell(new CallInProgress("r1", model));
        gone.Tell(new GetModelHealth(model)); // not expected to be lost: still a dead letter
        Assert.IsType<GetModelHealth>(ExpectMsg<DeadLetter>().Message);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
