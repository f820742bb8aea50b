using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using Router.Actors.Catalog;
using Router.Actors.Models;
using Router.Actors.Observability;
using Router.Actors.Routing;
using Router.Actors.OpenRouter;
using Router.Actors.Quota;
using Router.Contracts.Messages;
using Router.Contracts.Serialization;
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
        var options = new RemoteOptions { HostName = settings.Hostname, Port = settings.Port };
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

    /// <summary>The ActorSystem: cluster.hocon, remoting, clustering, the serializer, model shards, catalog singleton and replica.</summary>
    public static IServiceCollection AddRouterAkka(this IServiceCollection services, RouterSettings settings)
    {
        var hocon = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "cluster.hocon"));
        var persistence = PersistenceHocon.For(settings);
        var seeds = settings.SeedNodes.Count > 0
            ? settings.SeedNodes.ToArray()
            : [$"{settings.RemotingProtocol}://{SystemName}@{settings.Hostname}:{settings.Port}"];
        var hostsModels = settings.Roles.Contains(RouterRole);

        return services.AddAkka(SystemName, (builder, sp) =>
        {
            if (settings.AkkaHocon is { } extra)
                builder.AddHocon(extra, HoconAddMode.Prepend);
            builder
                .AddHocon(persistence, HoconAddMode.Prepend)
                .AddHocon(hocon, HoconAddMode.Append)
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                })
                .WithRemoting(RemotingOptions(settings))
                .WithClustering(new ClusterOptions { Roles = settings.Roles.ToArray(), SeedNodes = seeds })
                .WithCustomSerializer("router", [typeof(IRouterMessage)], system => new RouterSerializer(system));

            var client = sp.GetRequiredService<OpenRouterClient>();
            var time = sp.GetRequiredService<TimeProvider>();
            if (hostsModels)
            {
                builder
                    .AddModelShards(sp.GetRequiredService<ModelActorSettings>(), RouterRole)
                    .AddQuotaShards(RouterRole)
                    .AddCatalogSingleton(client, sp.GetRequiredService<CatalogSettings>(), time, RouterRole);
            }
            else
            {
                builder.AddModelShardsProxy(RouterRole).AddQuotaShardsProxy(RouterRole).AddCatalogSingletonProxy(RouterRole);
            }
            builder
                .AddCatalogReplica(sp.GetRequiredService<CatalogReplica>())
                .AddModelHealthListener(sp.GetRequiredService<ModelHealthBoard>(), time);
        });
    }
}
