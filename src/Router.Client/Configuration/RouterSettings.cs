using Microsoft.Extensions.Configuration;
using Router.Actors.OpenRouter;
using Router.Contracts.OpenRouter;

namespace Router.Client.Configuration;

/// <summary>Router's validated settings; see README's configuration table for each variable.</summary>
public sealed record RouterSettings
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public required OpenRouterClientOptions OpenRouter { get; init; }
    public string? DefaultModel { get; init; }
    public IReadOnlyList<string> FallbackModels { get; init; } = [];

    /// <summary>Route to the built-in fake OpenRouter (DEV_MODE=true, or no OPENROUTER_API_KEY).</summary>
    public bool DevMode { get; init; }
    public string? DevModeReason { get; init; }

    public TimeSpan CatalogTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>PostgreSQL connection string; null means the SQLite file in <see cref="DataDir"/>.</summary>
    public string? Database { get; init; }
    public string DataDir { get; init; } = "./data";

    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 4053;
    public IReadOnlyList<string> SeedNodes { get; init; } = [];

    /// <summary>How this node finds the others: seeds (above), or Akka.Discovery (ROUTER_DISCOVERY).</summary>
    public ClusterDiscovery Discovery { get; init; } = new();

    /// <summary>ROUTER_SHUTDOWN_DELAY: on SIGTERM, unready but still serving this long before the graceful stop.</summary>
    public TimeSpan ShutdownDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Akka remoting over TLS (ROUTER_REMOTING_TLS_*); null: plaintext, allowed on loopback only unless opted out.</summary>
    public RemotingTls? RemotingTls { get; init; }

    /// <summary>The scheme of this cluster's addresses: Akka names TLS remoting's protocol apart.</summary>
    public string RemotingProtocol => RemotingTls is null ? "akka.tcp" : "akka.ssl.tcp";


    /// <summary>ROUTER_REMOTING_ALLOW_PLAINTEXT: accept a non-loopback remoting bind without TLS (logged loudly).</summary>
    public bool AllowPlaintextRemoting { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = ["router", "front"];

    public IReadOnlyList<string> ApiKeys { get; init; } = [];
    /// <summary>Requests per UTC day for the whole cluster (ROUTER_DAILY_REQUEST_CAP).</summary>
    public long? DailyRequestCap { get; init; }

    /// <summary>Requests per UTC day for each client key (ROUTER_DAILY_REQUEST_CAP_PER_KEY).</summary>
    public long? PerKeyDailyRequestCap { get; init; }

    /// <summary>USD per UTC day for the whole cluster (ROUTER_DAILY_SPEND_CAP_USD).</summary>
    public double? DailySpendCapUsd { get; init; }

    /// <summary>USD per UTC day for each client key (ROUTER_DAILY_SPEND_CAP_USD_PER_KEY).</summary>
    public double? PerKeyDailySpendCapUsd { get; init; }

    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrls];

    /// <summary>Upstream calls per request across models (ROUTER_MAX_ATTEMPTS).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>How candidates are ordered when a request does not say (ROUTER_DEFAULT_SORT).</summary>
    public RouteSort DefaultSort { get; init; } = RouteSort.Priority;

    /// <summary>Share of requests under a measuring sort that try a model not measured yet first (ROUTER_SORT_EXPLORATION).</summary>
    public double SortExploration { get; init; } = 0.05;

    /// <summary>How long cached answers live; no cache without it (ROUTER_CACHE_TTL, seconds).</summary>
    public TimeSpan? CacheTtl { get; init; }

    /// <summary>Bytes of cached answers each node keeps, least recently used evicted first (ROUTER_CACHE_MAX_MB).</summary>
    public int CacheMaxMegabytes { get; init; } = 256;

    /// <summary>
    /// Whether each client key has its own cached answers (ROUTER_CACHE_PER_KEY, default true: an answer is a copy of
    /// one client's conversation, and sharing it with other keys must be asked for).
    /// </summary>
    public bool CachePerKey { get; init; } = true;

    /// <summary>OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set: spans go to that collector (the OTEL_* variables configure the rest).</summary>
    public bool Tracing { get; init; }

    /// <summary>ROUTER_TRACE_CONTENT: prompts and completions in call spans (off: spans carry no text).</summary>
    public bool TraceContent { get; init; }

    /// <summary>ROUTER_CACHE_PERSIST: answers are also journaled, so a bucket moved or restarted keeps them.</summary>
    public bool CachePersist { get; init; }

    /// <summary>Requests that may wait on one identical request in flight (ROUTER_COALESCE_MAX_WAITERS).</summary>
    public int CoalesceMaxWaiters { get; init; } = 1000;

    /// <summary>Deadline of a whole routed request (ROUTER_REQUEST_TIMEOUT).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Largest accepted request body (ROUTER_MAX_REQUEST_BYTES).</summary>
    public long MaxRequestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most messages in one request (ROUTER_MAX_MESSAGES).</summary>
    public int MaxMessages { get; init; } = 1000;

    /// <summary>Consecutive failures that open a model's circuit (ROUTER_CIRCUIT_THRESHOLD).</summary>
    public int CircuitThreshold { get; init; } = 5;

    /// <summary>First open period of a circuit (ROUTER_CIRCUIT_OPEN_SECONDS); doubles per failed probe.</summary>
    public TimeSpan CircuitOpen { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest rest a model takes, whatever an upstream Retry-After asks (ROUTER_MAX_COOLDOWN_SECONDS).</summary>
    public TimeSpan MaxCooldown { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The client id an embedded member's requests count against in the per-key daily caps and spend:
    /// <c>embedded</c>, or <c>embedded:NAME</c> with ROUTER_CLIENT_NAME, so that each application has caps of its own.
    /// </summary>
    public string EmbeddedClientId { get; init; } = RouterClient.DefaultClientId;

    /// <summary>Extra Akka HOCON, applied over cluster.hocon (ROUTER_AKKA_HOCON), e.g. failure-detector tuning.</summary>
    public string? AkkaHocon { get; init; }

    public static RouterSettings Load(IConfiguration config) => new SettingsReader(config).Read();

    /// <summary>The settings of a member embedded in another application: see <see cref="Hosting.RouterMembers.AddRouterNode"/>.</summary>
    public static RouterSettings LoadEmbedded(IConfiguration config) => new SettingsReader(config, embedded: true).Read();
}

/// <summary>
/// The remoting certificate (with its private key) and the peers accepted: exactly those that present a certificate
/// of <see cref="PeerThumbprints"/>; by default this node's own, i.e. one certificate for the whole cluster.
/// </summary>
public sealed record RemotingTls(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, IReadOnlyList<string> PeerThumbprints);

/// <summary>A start-up configuration error; the message names every bad variable.</summary>
public sealed class RouterConfigurationException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
