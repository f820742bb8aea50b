using Akka.Actor;
using Akka.Cluster;
using Akka.Discovery;
using Akka.Event;
using Akka.Hosting;
using Router.Client.Configuration;
using Router.Client.Hosting;

namespace Router.Client.Clustering;

/// <summary>
/// Forms or joins the cluster from the nodes Akka.Discovery finds (a fixed list, or the Kubernetes API): looks them
/// up every second, and once <see cref="SeedDecision"/> says the set is big enough and settled, joins it as seeds.
/// </summary>
public sealed class DiscoverySeeder : ReceiveActor, IWithTimers
{
    private sealed record Tick;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly SeedDecision _decision;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public DiscoverySeeder(ClusterDiscovery discovery, string protocol, int ownPort, TimeProvider time)
    {
        _decision = new SeedDecision(discovery.RequiredContactPoints, discovery.StableMargin);
        var lookup = new Lookup(discovery.ServiceName, discovery.Method == DiscoveryMethod.Kubernetes ? "remoting" : null, "tcp");
        var service = Akka.Discovery.Discovery.Get(Context.System).Default;
        Receive<Tick>(_ => service.Lookup(lookup, TimeSpan.FromSeconds(3)).PipeTo(Self));
        Receive<ServiceDiscovery.Resolved>(resolved =>
        {
            var found = resolved.Addresses.Select(t => $"{protocol}://{RouterCluster.SystemName}@{t.Address?.ToString() ?? t.Host}:{t.Port ?? ownPort}");
            if (_decision.Observe(found, time.GetUtcNow()) is not { } seeds) return;
            _log.Info("Discovery found {0} nodes ({1}); joining them", seeds.Count, string.Join(", ", seeds));
            Cluster.Get(Context.System).JoinSeedNodes(seeds.Select(Address.Parse));
            Context.Stop(Self);
        });
        Receive<Status.Failure>(failure => _log.Warning("Discovery of {0} failed: {1}", discovery.ServiceName, failure.Cause.Message));
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("lookup", new Tick(), TimeSpan.Zero, Interval);

    public static Props Props(ClusterDiscovery discovery, string protocol, int ownPort, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new DiscoverySeeder(discovery, protocol, ownPort, time));
}

public static class DiscoverySeederHosting
{
    /// <summary>With ROUTER_DISCOVERY set: the discovery method, and the seeder that joins what it finds.</summary>
    public static AkkaConfigurationBuilder AddDiscoverySeeding(this AkkaConfigurationBuilder builder, ClusterDiscovery discovery,
        string protocol, int ownPort, TimeProvider time)
    {
        if (!discovery.UsesDiscovery) return builder;
        if (discovery.Method == DiscoveryMethod.Config)
        {
            var endpoints = string.Join(", ", discovery.Endpoints.Select(e => "\"" + e + "\""));
            builder.AddHocon($"akka.discovery.method = config\nakka.discovery.config.services.\"{discovery.ServiceName}\".endpoints = [{endpoints}]",
                HoconAddMode.Prepend);
        }
        else
            builder.AddHocon($$"""
                akka.discovery.method = {{KubernetesPodDiscovery.Method}}
                akka.discovery.{{KubernetesPodDiscovery.Method}} {
                  class = "{{typeof(KubernetesPodDiscovery).AssemblyQualifiedName}}"
                  pod-label-selector = "{{discovery.PodLabelSelector}}"
                  pod-namespace = "{{discovery.KubernetesNamespace}}"
                  api-url = "{{discovery.KubernetesApiUrl}}"
                }
                """, HoconAddMode.Prepend);
        return builder.WithActors((system, _) => system.ActorOf(DiscoverySeeder.Props(discovery, protocol, ownPort, time), "discovery-seeder"));
    }
}
