using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Router.Actors.Routing;
using Router.Contracts;
using Router.Contracts.Messages;

namespace Router.Actors.Observability;

public static class ModelHealthTopic
{
    public const string Name = "router-model-health";
}

/// <summary>
/// Receives the model actors' health publications on this node and hands them to the board, so every node shows
/// every model's health and skips a resting model without first asking it.
/// </summary>
public sealed class ModelHealthListener : ReceiveActor
{
    public ModelHealthListener(ModelHealthBoard board, TimeProvider time)
    {
        Receive<ModelHealthView>(view => board.Observe(view, time.GetUtcNow()));
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart() =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelHealthTopic.Name, Self));

    public static Props Props(ModelHealthBoard board, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new ModelHealthListener(board, time));
}

public static class ModelHealthListenerHosting
{
    public static AkkaConfigurationBuilder AddModelHealthListener(this AkkaConfigurationBuilder builder, ModelHealthBoard board, TimeProvider time) =>
        builder.WithActors((system, registry) =>
            registry.Register<ModelHealthListener>(system.ActorOf(ModelHealthListener.Props(board, time), "model-health")));
}
