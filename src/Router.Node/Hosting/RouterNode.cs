using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Client.Configuration;
using Router.Client.Hosting;
using Router.Client.Security;
using Router.Actors.Models;
using Router.Actors.OpenRouter;
using Akka.Streams;
using Prometheus;
using Router.Actors.Observability;
using Router.Actors.Persistence;
using Router.Actors.Quota;
using Router.Node.Security;
using Router.Actors.Routing;
using Router.Contracts;
using Router.FakeOpenRouter;
using Router.Node.Http;

namespace Router.Node.Hosting;

/// <summary>Knobs tests turn; production uses the defaults.</summary>
public sealed record RouterNodeOptions
{
    /// <summary>Null: from the settings (ROUTER_CIRCUIT_*).</summary>
    public HealthPolicy? HealthPolicy { get; init; }
    public CatalogSettings? Catalog { get; init; }
    public TimeSpan? AttemptTimeout { get; init; }
    public Action<ILoggingBuilder>? Logging { get; init; }
    public FakeOpenRouterOptions? DevModeFake { get; init; }

    /// <summary>Null: the process's default registry (one node per process); tests running several nodes give each its own.</summary>
    public RouterMetrics? Metrics { get; init; }

    /// <summary>Traces to this exporter too (tests), whether or not OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public Action<OpenTelemetry.Trace.TracerProviderBuilder>? Tracing { get; init; }
}

/// <summary>A running Router node: the ActorSystem and, on front nodes, the HTTP API.</summary>
public sealed class RouterNode : IAsyncDisposable
{
    /// <summary>How long a stopping node lets the requests it took finish (Kestrel's shutdown timeout).</summary>
    public static readonly TimeSpan ShutdownDrain = TimeSpan.FromSeconds(10);

    /// <summary>How long a stream in flight may still run once the node stops: inside the drain, with time to write its end.</summary>
    public static readonly TimeSpan StreamDrain = ShutdownDrain - TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;

    private RouterNode(WebApplication app, RouterSettings settings, FakeOpenRouterServer? fake)
    {
        _app = app;
        Settings = settings;
        Fake = fake;
        Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        Url = Addresses.First().TrimEnd('/');
    }

    /// <summary>The addresses the HTTP server bound.</summary>
    public IReadOnlyList<string> Addresses { get; }

    private static readonly OpenAiError NotYetServing =
        new("This Router node is starting; retry shortly", "server_error", null, "node_starting", 503, null, true, false);

    private static async Task StopAsync(WebApplication app, FakeOpenRouterServer? fake)
    {
        try
        {
            await app.StopAsync();
        }
        finally
        {
            await app.DisposeAsync();
            if (fake is not null) await fake.DisposeAsync();
        }
    }

    public RouterSettings Settings { get; }
    public FakeOpenRouterServer? Fake { get; }
    public string Url { get; }
    public IServiceProvider Services => _app.Services;
    public ActorSystem System => _app.Services.GetRequiredService<ActorSystem>();
    public CatalogReplica Catalog => _app.Services.GetRequiredService<CatalogReplica>();

    public static async Task<RouterNode> StartAsync(RouterSettings settings, RouterNodeOptions? options = null, CancellationToken ct = default)
    {
        options ??= new RouterNodeOptions();
        var fake = settings.DevMode ? await FakeOpenRouterServer.StartAsync(options.DevModeFake ?? DevModeScenario.Options(), ct: ct) : null;
        var clientOptions = fake is null ? settings.OpenRouter : DevModeClient(settings.OpenRouter, fake);

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls([.. settings.Urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = settings.MaxRequestBytes;
            ErrorAnswers.RaiseKestrelLimits(k.Limits);
        });
        builder.WebHost.UseShutdownTimeout(ShutdownDrain);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Hosting starts an Activity for every request whenever its logger is enabled at any level; it only ever
        // logs request start/finish (Information, filtered above), so switching it off saves that work per request.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // An unhealthy check is logged as an error each time it runs (every /ready poll); the /ready body says it once per ask.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
        options.Logging?.Invoke(builder.Logging);
        AddServices(builder.Services, settings, clientOptions, options);
        builder.Services.AddRouterTracing(settings, options.Tracing);
        builder.Services.AddRouterAkka(settings);

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Router");
        if (fake is not null)
            log.LogWarning("DEV_MODE ({Reason}): routing to the built-in fake OpenRouter; no real model is called. " +
                           "Script it with plain HTTP at {FakeUrl} (e.g. curl -X PUT {FakeUrl}/_fake/behaviors/{{model}} -H 'Content-Type: application/json' -d '{{\"statusCode\":503}}'); " +
                           "Router calls it at {Url}",
                settings.DevModeReason, fake.RootUrl, fake.RootUrl, clientOptions.BaseUrl);
        var guard = new BindGuard();
        app.UseServerSpans();
        app.UseOpenAiErrors();
        app.Use((http, next) => guard.IsOpen ? next(http) : HttpResults.WriteErrorAsync(http, NotYetServing));
        app.UseApiKeys(app.Services.GetRequiredService<ApiKeyRing>());
        app.MapHealthEndpoints();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<RouterMetrics>().Registry);
        if (settings.Roles.Contains(RouterCluster.FrontRole))
        {
            app.MapChatEndpoints();
            app.MapModelEndpoints();
            app.MapHistoryEndpoints();
            app.MapCacheEndpoints();
            app.MapHealthPage();
        }

        try
        {
            await app.StartAsync(ct);
        }
        catch (Exception e) when (e is IOException or global::System.Net.Sockets.SocketException)
        {
            await StopAsync(app, fake);
            throw new RouterConfigurationException([$"ASPNETCORE_URLS: cannot listen on {string.Join(", ", settings.Urls)} (or the Kestrel endpoints configured): {e.Message}"]);
        }
        var node = new RouterNode(app, settings, fake);
        try
        {
            // Checked on what was bound, whatever configured it; nothing is served before.
            if (BindGuard.Problem(node.Addresses, settings.Roles.Contains(RouterCluster.FrontRole), settings.ApiKeys.Count > 0) is { } problem)
                throw new RouterConfigurationException([problem]);
            // The remoting address and TLS as the actor system has them, ROUTER_AKKA_HOCON included.
            var remoting = node.System.Settings.Config.GetConfig("akka.remote.dot-netty.tcp");
            var remotingHost = remoting.GetString("bind-hostname") is { Length: > 0 } bind ? bind : remoting.GetString("hostname");
            var remotingTls = remoting.GetBoolean("enable-ssl");
            if (RemotingGuard.Problem(remotingHost, remotingTls, settings.AllowPlaintextRemoting) is { } remotingProblem)
                throw new RouterConfigurationException([remotingProblem]);
            if (!remotingTls && !RemotingGuard.IsLoopback(remotingHost))
                log.LogWarning("Akka remoting listens on {Host}:{Port} in PLAINTEXT (ROUTER_REMOTING_ALLOW_PLAINTEXT=true): any peer that reaches this port " +
                               "can join the cluster and send it messages; keep that network to the cluster alone, or set ROUTER_REMOTING_TLS_CERT",
                    remotingHost, settings.Port);
            guard.Open();
            await PersistenceCheck.VerifyAsync(node.System, TimeSpan.FromSeconds(30));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        log.LogInformation("Router node up: HTTP {Url}, cluster {Host}:{Port}, roles {Roles}, persistence {Persistence}",
            node.Url, settings.Hostname, settings.Port, string.Join(",", settings.Roles), settings.Database is null ? "SQLite in " + settings.DataDir : "PostgreSQL");
        return node;
    }

    /// <summary>
    /// The fake speaks HTTP/2 as OpenRouter does (over plain http it needs prior knowledge, so <c>auto</c> means h2c here),
    /// unless OPENROUTER_HTTP_VERSION=1.1 asks for HTTP/1.1.
    /// </summary>
    private static OpenRouterClientOptions DevModeClient(OpenRouterClientOptions options, FakeOpenRouterServer fake) =>
        options.HttpVersion == UpstreamHttpVersion.Http11
            ? options with { BaseUrl = fake.BaseUrl, ApiKey = fake.ApiKey }
            : options with { BaseUrl = fake.H2cBaseUrl, ApiKey = fake.ApiKey, HttpVersion = UpstreamHttpVersion.Http2 };

    private static void AddServices(IServiceCollection services, RouterSettings settings, OpenRouterClientOptions clientOptions, RouterNodeOptions options)
    {
        var metrics = options.Metrics ?? RouterMetrics.ForProcess();
        services.AddSingleton(TimeProvider.System);
        services.AddRouterRouting(settings, metrics, options.AttemptTimeout);
        services.AddSingleton(sp => new OpenRouterClient(clientOptions, sp.GetRequiredService<ILogger<OpenRouterClient>>()));
        var policy = options.HealthPolicy ?? new HealthPolicy
        {
            FailureThreshold = settings.CircuitThreshold, OpenBase = settings.CircuitOpen, MaxCooldown = settings.MaxCooldown,
        };
        services.AddSingleton(sp => new ModelActorSettings(sp.GetRequiredService<OpenRouterClient>(), policy, TimeProvider.System)
        {
            PublishHealth = true,
            TraceContent = settings.TraceContent,
            Metrics = metrics,
            Materializer = sp.GetRequiredService<IMaterializer>, // resolved at first stream, once the actor system is up
        });
        services.AddSingleton((options.Catalog ?? new CatalogSettings { Ttl = settings.CatalogTtl }) with { Metrics = metrics });
        services.AddSingleton(new ApiKeyRing(settings.ApiKeys));
        services.AddSingleton(new CacheSettings(settings.CacheTtl ?? TimeSpan.FromMinutes(5), new CacheMemory(settings.CacheMaxMegabytes * 1024L * 1024),
            settings.CoalesceMaxWaiters, settings.RequestTimeout, TimeProvider.System, metrics, settings.CachePersist));
        services.AddSingleton<RequestLog>();
        services.AddSingleton<ChatServices>();
    }

    /// <summary>Runs until the host is told to stop or <paramref name="ct"/> fires (SIGTERM/Ctrl-C), then stops gracefully.</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public ValueTask DisposeAsync() => new(StopAsync(_app, Fake));
}
