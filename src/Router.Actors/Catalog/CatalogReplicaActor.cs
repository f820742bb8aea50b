using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;
using Router.Contracts.Messages;

namespace Router.Actors.Catalog;

/// <summary>
/// Keeps this node's <see cref="CatalogReplica"/> current: subscribes to the singleton's updates and, until the
/// first one arrives, asks the singleton for its list every few seconds.
/// </summary>
public sealed class CatalogReplicaActor : ReceiveActor, IWithTimers
{
    private const string AskTimer = "ask";
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly IActorRef _singleton;
    private readonly TimeSpan _askEvery;

    public CatalogReplicaActor(CatalogReplica replica, IActorRef singleton, TimeSpan askEvery)
    {
        _singleton = singleton;
        _askEvery = askEvery;
        Receive<CatalogUpdated>(update =>
        {
            if (replica.Apply(update))
                _log.Debug("Catalog replica at version {0} ({1} models)", update.Version, update.Models.Count);
            if (replica.Current.IsLoaded) Timers.Cancel(AskTimer);
        });
        Receive<AskSingleton>(_ => singleton.Tell(GetCatalog.Instance));
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(CatalogActor.Topic, Self));
        _singleton.Tell(GetCatalog.Instance);
        Timers.StartPeriodicTimer(AskTimer, AskSingleton.Instance, _askEvery);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(CatalogReplica replica, IActorRef singleton, TimeSpan? askEvery = null) =>
        Akka.Actor.Props.Create(() => new CatalogReplicaActor(replica, singleton, askEvery ?? TimeSpan.FromSeconds(2)));

    private sealed record AskSingleton
    {
        public static readonly AskSingleton Instance = new();
    }
}

public static class CatalogReplicaActorHosting
{
    public static AkkaConfigurationBuilder AddCatalogReplica(this AkkaConfigurationBuilder builder, CatalogReplica replica) =>
        builder.WithActors((system, registry) =>
        {
            var singleton = registry.Get<CatalogSingleton>();
            registry.Register<CatalogReplicaActor>(system.ActorOf(CatalogReplicaActor.Props(replica, singleton), "catalog-replica"));
        });
}
