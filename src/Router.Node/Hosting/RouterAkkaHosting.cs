using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Actors.OpenRouter;
using Router.Actors.Quota;
using Router.Actors.Serialization;
using Router.Node.Clustering;
using Router.Node.Configuration;

namespace Router.Node.Hosting;

public static class RouterAkkaHosting
{
    public const string SystemName = "router";
    public const string RouterRole = "router";
    public const string FrontRole = "front";

    /// <summary>
    /// Remoting on ROUTER_HOSTNAME:ROUTER_PORT; with a certificate, over mutual TLS that accepts only peers presenting
    /// a pinned certificate (by default this node's own: one certificate for the cluster).
    /// </summary>
    private static RemoteOptions RemotingOptions(RouterSettings settings)
    {
        var options = new RemoteOptions
        {
            HostName = settings.Hostname,
            Port = settings.Port,
            // A 5,000-model catalog is a few MB; a frame must hold a whole catalog update.
            MaxFrameSize = 16 * 1024 * 1024,
            SendBufferSize = 32 * 1024 * 1024,
            ReceiveBufferSize = 32 * 1024 * 1024,
        };
        if (settings.RemotingTls is not { } tls) return options;
        options.EnableSsl = true;
        options.Ssl = new SslOptions
        {
            X509Certificate = tls.Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false, // one certificate for nodes of many names; the pin is the identity
            CustomValidator = CertificateValidation.PinnedCertificate([.. tls.PeerThumbprints]),
        };
        return options;
    }

    /// <summary>
    /// The ActorSystem: remoting, clustering with the split-brain resolver, the serializer, persistence, health checks,
    /// model and quota shards, the catalog singleton and its replica, the coordinators. <c>cluster.hocon</c> holds only
    /// what has no typed option; ROUTER_AKKA_HOCON goes over everything.
    /// </summary>
    public static IServiceCollection AddRouterAkka(this IServiceCollection services, RouterSettings settings)
    {
        var hocon = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "cluster.hocon"));
        var seeds = settings.SeedNodes.Count > 0
            ? settings.SeedNodes.ToArray()
            : [$"{settings.RemotingProtocol}://{SystemName}@{settings.Hostname}:{settings.Port}"];
        var hostsModels = settings.Roles.Contains(RouterRole);

        var drain = new ReadinessDrain(settings.ShutdownDelay);
        services.AddSingleton(drain).AddHostedService(_ => drain);
        services.AddHealthChecks().AddCheck("stopping", drain, HealthStatus.Unhealthy, [RouterHealthChecks.Readiness]);
        return services.AddAkka(SystemName, (builder, sp) =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            builder
                .AddHocon(hocon, HoconAddMode.Append)
                .ConfigureLoggers(loggers =>
                {
                    loggers.LogLevel = Akka.Event.LogLevel.InfoLevel;
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithActorAskTimeout(TimeSpan.FromSeconds(60))
                .WithRemoting(RemotingOptions(settings))
                .WithClustering(new ClusterOptions
                {
                    Roles = settings.Roles.ToArray(),
                    SeedNodes = settings.Discovery.UsesDiscovery ? null : seeds,
                    SplitBrainResolver = new KeepMajorityOption(),
                })
                .AddDiscoverySeeding(settings.Discovery, settings.RemotingProtocol, settings.Port, time)
                .AddRouterSerialization()
                .AddRouterPersistence(settings, [RouterHealthChecks.Readiness])
                .AddRouterHealthChecks(sp.GetRequiredService<CatalogReplica>());

            if (hostsModels)
            {
                builder
                    .AddModelShards(sp.GetRequiredService<ModelActorSettings>(), RouterRole)
                    .AddQuotaShards(RouterRole)
                    .AddCacheShards(sp.GetRequiredService<CacheSettings>(), RouterRole)
                    .AddCatalogSingleton(sp.GetRequiredService<OpenRouterClient>(), sp.GetRequiredService<CatalogSettings>(), time, RouterRole);
            }
            else
            {
                builder.AddModelShardsProxy(RouterRole).AddQuotaShardsProxy(RouterRole).AddCacheShardsProxy(RouterRole).AddCatalogSingletonProxy(RouterRole);
            }
            builder
                .AddCatalogReplica(sp.GetRequiredService<CatalogReplica>())
                .AddModelHealthListener(sp.GetRequiredService<ModelHealthBoard>(), time)
                .AddCoordinators(sp.GetRequiredService<RoutingContext>);

            if (settings.AkkaHocon is { } extra)
                builder.AddHocon(extra, HoconAddMode.Prepend);
        });
    }
}
