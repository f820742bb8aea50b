using System.Collections.Concurrent;
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

/// <summary>This node's copy of every active model's health, as published by the model actors (for the health page).</summary>
public sealed class ModelHealthDirectory
{
    private readonly ConcurrentDictionary<ModelId, ModelHealthView> _views = new();

    public void Update(ModelHealthView view) => _views[view.ModelId] = view;

    public IReadOnlyList<ModelHealthView> All => _views.Values.OrderBy(v => v.ModelId.Value, StringComparer.Ordinal).ToList();
}

/// <summary>
/// Receives the model actors' health publications on this node: keeps the directory current and tells the routing
/// board which models rest, so every node skips a resting model without first asking it.
/// </summary>
public sealed class ModelHealthListener : ReceiveActor
{
    public ModelHealthListener(ModelHealthDirectory directory, ModelHealthBoard board, TimeProvider time)
    {
        Receive<ModelHealthView>(view =>
        {
            directory.Update(view);
            if (view.Node is { } node) board.HostedOn(view.ModelId, node);
            var until = new[] { view.CooldownUntil, view.Circuit == CircuitState.Open ? view.OpenUntil : null }.Max();
            if (until is { } restUntil && restUntil > time.GetUtcNow())
                board.Block(view.ModelId, restUntil, rateLimited: view.CooldownReason == RestReason.RateLimited);
            else if (view.Circuit == CircuitState.Closed)
                board.Clear(view.ModelId);
        });
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart() =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ModelHealthTopic.Name, Self));

    public static Props Props(ModelHealthDirectory directory, ModelHealthBoard board, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new ModelHealthListener(directory, board, time));
}

public static class ModelHealthListenerHosting
{
    public static AkkaConfigurationBuilder AddModelHealthListener(this AkkaConfigurationBuilder builder,
        ModelHealthDirectory directory, ModelHealthBoard board, TimeProvider time) =>
        builder.WithActors((system, registry) =>
            registry.Register<ModelHealthListener>(system.ActorOf(ModelHealthListener.Props(directory, board, time), "model-health")));
}
