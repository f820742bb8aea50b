using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using Router.Actors.Serialization;
using Router.Client.Clustering;
using Router.Client.Configuration;

namespace Router.Client.Hosting;

/// <summary>
/// What every member of a Router cluster shares, server node or embedded client alike: the system name, the roles,
/// remoting (with its TLS pin), clustering with the split-brain resolver, discovery, the serializer, and
/// <c>cluster.hocon</c>, the settings that have no typed Akka.Hosting option.
/// </summary>
public static class RouterCluster
{
    public const string SystemName = "router";

    /// <summary>Hosts the model, quota and cache shards and the catalog singleton.</summary>
    public const string RouterRole = "router";

    /// <summary>Serves the HTTP API.</summary>
    public const string FrontRole = "front";

    /// <summary>An application that embeds a member to route without an HTTP hop; hosts nothing.</summary>
    public const string ClientRole = "client";

    /// <summary><c>cluster.hocon</c>, carried inside this assembly so that an embedding application needs no file.</summary>
    public static string Hocon { get; } = ReadHocon();

    private static string ReadHocon()
    {
        using var stream = typeof(RouterCluster).Assembly.GetManifestResourceStream("Router.Client.cluster.hocon")
            ?? throw new InvalidOperationException("cluster.hocon is not embedded in Router.Client");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Joins the cluster: remoting on ROUTER_HOSTNAME:ROUTER_PORT, the seeds (ROUTER_SEED_NODES; none: this node
    /// founds the cluster) or discovery (ROUTER_DISCOVERY), keep-majority downing, Router's serializer.
    /// </summary>
    /// <param name="logLevel">Akka's own log level: Info on a node, Warning in an application that embeds a member.</param>
    public static AkkaConfigurationBuilder WithRouterMembership(this AkkaConfigurationBuilder builder, RouterSettings settings, TimeProvider time,
        Akka.Event.LogLevel logLevel = Akka.Event.LogLevel.InfoLevel)
    {
        var seeds = settings.SeedNodes.Count > 0
            ? settings.SeedNodes.ToArray()
            : [$"{settings.RemotingProtocol}://{SystemName}@{settings.Hostname}:{settings.Port}"];
        return builder
            .AddHocon(Hocon, HoconAddMode.Append)
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = logLevel;
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            // Akka's console logger, used before the logger factory is up and after it is gone (shutdown): warnings only.
            // Over the loggers' level, which Akka.Hosting also gives it.
            .AddHocon("akka.stdout-loglevel = WARNING", HoconAddMode.Prepend)
            .WithActorAskTimeout(TimeSpan.FromSeconds(60))
            .WithRemoting(RemotingOptions(settings))
            .WithClustering(new ClusterOptions
            {
                Roles = settings.Roles.ToArray(),
                SeedNodes = settings.Discovery.UsesDiscovery ? null : seeds,
                // The router nodes' majority decides: members that host nothing (fronts, applications' client
                // members, possibly many) must not outvote the nodes that hold the models' state.
                SplitBrainResolver = new KeepMajorityOption { Role = RouterRole },
            })
            .AddDiscoverySeeding(settings.Discovery, settings.RemotingProtocol, settings.Port, time)
            .AddRouterSerialization();
    }

    /// <summary>ROUTER_AKKA_HOCON over everything; call it last.</summary>
    public static AkkaConfigurationBuilder WithRouterOverrides(this AkkaConfigurationBuilder builder, RouterSettings settings) =>
        settings.AkkaHocon is { } extra ? builder.AddHocon(extra, HoconAddMode.Prepend) : builder;

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
}
