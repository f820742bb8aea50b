using Microsoft.Extensions.Configuration;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Router.Actors.Observability;
using Router.Actors.OpenRouter;
using Router.Contracts.OpenRouter;
using Router.Client.Security;
using static Router.Client.Security.BindGuard;

namespace Router.Client.Configuration;

/// <summary>Reads and validates every variable, collecting all problems before failing.</summary>
/// <remarks>
/// <paramref name="embedded"/>: for a member inside another application (<see cref="Hosting.RouterMembers.AddRouterNode"/>):
/// the client role only, no HTTP front (ASPNETCORE_URLS belongs to the application), a free remoting port by default,
/// and the local node (127.0.0.1:4053) as its seed when neither seeds nor discovery are set.
/// </remarks>
internal sealed partial class SettingsReader(IConfiguration config, bool embedded = false)
{
    /// <summary>An embedded member's seed when none is configured: a node run on this machine with the defaults.</summary>
    public const string LocalSeed = "127.0.0.1:4053";

    private static readonly string[] KnownRoles = ["router", "front"];
    private readonly List<string> _problems = [];

    public RouterSettings Read()
    {
        var apiKey = Text("OPENROUTER_API_KEY");
        var devModeFlag = Bool("DEV_MODE", false);
        var devMode = devModeFlag || apiKey is null;

        var backoffBase = Seconds("OPENROUTER_RETRY_BACKOFF_BASE", 1.0, allowZero: true);
        var backoffMax = Seconds("OPENROUTER_RETRY_BACKOFF_MAX", 12.0, allowZero: true);
        if (backoffMax < backoffBase)
            _problems.Add($"OPENROUTER_RETRY_BACKOFF_MAX ({backoffMax.TotalSeconds}) must not be below OPENROUTER_RETRY_BACKOFF_BASE ({backoffBase.TotalSeconds})");

        var openRouter = new OpenRouterClientOptions
        {
            BaseUrl = HttpUrl("OPENROUTER_BASE_URL", OpenRouterClientOptions.DefaultBaseUrl),
            ApiKey = apiKey ?? "",
            Timeout = Seconds("OPENROUTER_TIMEOUT", 60),
            FirstTokenTimeout = Seconds("OPENROUTER_FIRST_TOKEN_TIMEOUT", 120),
            RetryAttempts = Int("OPENROUTER_RETRY_ATTEMPTS", 3, min: 1, max: 20),
            BackoffBase = backoffBase,
            BackoffMax = backoffMax,
            Jitter = Double("OPENROUTER_RETRY_JITTER", 0.25, min: 0, max: 1),
            SiteUrl = HttpUrl("OPENROUTER_SITE_URL", "http://localhost"),
            AppName = Text("OPENROUTER_APP_NAME") ?? "Router",
            HttpVersion = HttpVersionOf("OPENROUTER_HTTP_VERSION"),
        };

        var roles = embedded ? [Hosting.RouterCluster.ClientRole] : List("ROUTER_ROLES") is { Count: > 0 } r ? r : ["router", "front"];
        foreach (var role in embedded ? [] : roles.Where(x => !KnownRoles.Contains(x)))
            _problems.Add($"ROUTER_ROLES: unknown role '{role}' in '{Text("ROUTER_ROLES")}' (known: router, front)");


        var urls = embedded ? [] : List(config["ASPNETCORE_URLS"] is not null ? "ASPNETCORE_URLS" : "urls", ';');
        foreach (var url in urls.Where(u => !IsHttpUrl(WithWildcardHost(u))))
            _problems.Add($"ASPNETCORE_URLS: '{url}' is not an http(s) URL");

        var cap = Text("ROUTER_DAILY_REQUEST_CAP") is null ? (long?)null : Int("ROUTER_DAILY_REQUEST_CAP", 0, min: 1, max: int.MaxValue);
        var perKeyCap = Text("ROUTER_DAILY_REQUEST_CAP_PER_KEY") is null ? (long?)null : Int("ROUTER_DAILY_REQUEST_CAP_PER_KEY", 0, min: 1, max: int.MaxValue);
        var apiKeys = List("ROUTER_API_KEYS");
        if (BindGuard.Problem(urls.Where(u => IsHttpUrl(WithWildcardHost(u))), roles.Contains("front"), apiKeys.Count > 0) is { } bindProblem)
            _problems.Add(bindProblem);

        var hostname = Text("ROUTER_HOSTNAME") ?? "127.0.0.1";
        var tls = RemotingTlsOf();
        var protocol = tls is null ? "akka.tcp" : "akka.ssl.tcp"; // Akka names TLS remoting's protocol apart
        var seeds = List("ROUTER_SEED_NODES");
        foreach (var seed in seeds.Where(s => !IsAkkaAddress(s, protocol)))
            _problems.Add($"ROUTER_SEED_NODES: '{seed}' is not an Akka address like {protocol}://router@127.0.0.1:4053" +
                          (tls is null ? "" : " (remoting over TLS, ROUTER_REMOTING_TLS_CERT, speaks akka.ssl.tcp)"));
        var allowPlaintext = Bool("ROUTER_REMOTING_ALLOW_PLAINTEXT", false);
        if (RemotingGuard.Problem(hostname, tls is not null, allowPlaintext) is { } remotingProblem)
            _problems.Add(remotingProblem);
        var discovery = Discovery(seeds);
        if (embedded && seeds.Count == 0 && !discovery.UsesDiscovery)
            seeds = [$"{protocol}://{Hosting.RouterCluster.SystemName}@{LocalSeed}"];

        var settings = new RouterSettings
        {
            OpenRouter = openRouter,
            DefaultModel = Text("OPENROUTER_DEFAULT_MODEL"),
            FallbackModels = List("OPENROUTER_FALLBACK_MODELS"),
            DevMode = devMode && !embedded,
            DevModeReason = devModeFlag ? "DEV_MODE is set" : apiKey is null ? "OPENROUTER_API_KEY is not set" : null,
            CatalogTtl = Seconds("ROUTER_CATALOG_TTL", 3600),
            Database = Text("ROUTER_DB"),
            DataDir = Text("ROUTER_DATA_DIR") ?? "./data",
            Hostname = hostname,
            RemotingTls = tls,
            AllowPlaintextRemoting = allowPlaintext,
            Port = Int("ROUTER_PORT", embedded ? 0 : 4053, min: 0, max: 65535),
            SeedNodes = seeds,
            Discovery = discovery,
            ShutdownDelay = Seconds("ROUTER_SHUTDOWN_DELAY", 0, allowZero: true),
            Roles = roles,
            ApiKeys = apiKeys,
            DailyRequestCap = cap,
            PerKeyDailyRequestCap = perKeyCap,
            DailySpendCapUsd = Text("ROUTER_DAILY_SPEND_CAP_USD") is null ? null : Double("ROUTER_DAILY_SPEND_CAP_USD", 0, min: 1e-9, max: 1e9),
            PerKeyDailySpendCapUsd = Text("ROUTER_DAILY_SPEND_CAP_USD_PER_KEY") is null ? null : Double("ROUTER_DAILY_SPEND_CAP_USD_PER_KEY", 0, min: 1e-9, max: 1e9),
            Urls = urls.Count > 0 ? urls : [RouterSettings.DefaultUrls],
            MaxAttempts = Int("ROUTER_MAX_ATTEMPTS", 5, min: 1, max: 100),
            DefaultSort = Sort("ROUTER_DEFAULT_SORT"),
            CacheTtl = Text("ROUTER_CACHE_TTL") is null ? null : Seconds("ROUTER_CACHE_TTL", 0),
            CacheMaxMegabytes = Int("ROUTER_CACHE_MAX_MB", 256, min: 1, max: 1024 * 1024),
            CachePerKey = Bool("ROUTER_CACHE_PER_KEY", true),
            CachePersist = Bool("ROUTER_CACHE_PERSIST", false),
            Tracing = Text("OTEL_EXPORTER_OTLP_ENDPOINT") is not null || Text("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") is not null,
            TraceContent = Bool("ROUTER_TRACE_CONTENT", false),
            CoalesceMaxWaiters = Int("ROUTER_COALESCE_MAX_WAITERS", 1000, min: 0, max: 1_000_000),
            SortExploration = Double("ROUTER_SORT_EXPLORATION", 0.05, min: 0, max: 1),
            RequestTimeout = Seconds("ROUTER_REQUEST_TIMEOUT", 300),
            MaxRequestBytes = Int("ROUTER_MAX_REQUEST_BYTES", 4 * 1024 * 1024, min: 1024, max: 256 * 1024 * 1024),
            MaxMessages = Int("ROUTER_MAX_MESSAGES", 1000, min: 1, max: 100_000),
            CircuitThreshold = Int("ROUTER_CIRCUIT_THRESHOLD", 5, min: 1, max: 1000),
            CircuitOpen = Seconds("ROUTER_CIRCUIT_OPEN_SECONDS", 30),
            MaxCooldown = Seconds("ROUTER_MAX_COOLDOWN_SECONDS", 3600),
            AkkaHocon = Text("ROUTER_AKKA_HOCON"),
            EmbeddedClientId = embedded ? EmbeddedClientId() : RouterClient.DefaultClientId,
        };
        if (_problems.Count > 0)
            throw new RouterConfigurationException(_problems);
        return settings;
    }

    private RemotingTls? RemotingTlsOf()
    {
        var path = Text("ROUTER_REMOTING_TLS_CERT");
        if (path is null)
        {
            if (Text("ROUTER_REMOTING_TLS_CERT_PASSWORD") is not null || Text("ROUTER_REMOTING_TLS_PEERS") is not null)
                _problems.Add("ROUTER_REMOTING_TLS_CERT: needed when ROUTER_REMOTING_TLS_CERT_PASSWORD or ROUTER_REMOTING_TLS_PEERS is set");
            return null;
        }
        if (!File.Exists(path))
        {
            _problems.Add($"ROUTER_REMOTING_TLS_CERT: no file at '{path}'");
            return null;
        }
        var peers = List("ROUTER_REMOTING_TLS_PEERS");
        foreach (var peer in peers.Where(p => p.Length != 40 || !p.All(char.IsAsciiHexDigit)))
            _problems.Add($"ROUTER_REMOTING_TLS_PEERS: '{peer}' is not a SHA-1 certificate thumbprint (40 hex digits)");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, config["ROUTER_REMOTING_TLS_CERT_PASSWORD"]);
        }
        catch (CryptographicException e)
        {
            _problems.Add($"ROUTER_REMOTING_TLS_CERT: cannot read '{path}' as a PKCS#12 certificate with ROUTER_REMOTING_TLS_CERT_PASSWORD ({e.Message})");
            return null;
        }
        if (!certificate.HasPrivateKey)
        {
            _problems.Add($"ROUTER_REMOTING_TLS_CERT: '{path}' holds no private key");
            return null;
        }
        return new RemotingTls(certificate, peers.Count > 0 ? peers.Select(p => p.ToUpperInvariant()).ToList() : [certificate.Thumbprint]);
    }

    /// <summary>
    /// ROUTER_CLIENT_NAME as a client id of its own kind (<c>embedded:</c>), which no API key's id (hex) and no
    /// <c>anonymous</c> can be: an application names its own caps, not another client's.
    /// </summary>
    private string EmbeddedClientId()
    {
        if (Text("ROUTER_CLIENT_NAME") is not { } name) return RouterClient.DefaultClientId;
        if (ClientName().IsMatch(name)) return $"{RouterClient.DefaultClientId}:{name}";
        _problems.Add($"ROUTER_CLIENT_NAME: expected 1 to 64 letters, digits, '.', '_' or '-', got '{LogText.Safe(name)}'");
        return RouterClient.DefaultClientId;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ClientName();

    private string? Text(string name) => config[name] is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    private IReadOnlyList<string> List(string name, char separator = ',') =>
        Text(name)?.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList() ?? [];

    private bool Bool(string name, bool fallback)
    {
        var text = Text(name);
        if (text is null) return fallback;
        switch (text.ToLowerInvariant())
        {
            case "1" or "true" or "yes" or "on": return true;
            case "0" or "false" or "no" or "off": return false;
            default:
                _problems.Add($"{name}: expected true/false (or 1/0, yes/no, on/off), got '{text}'");
                return fallback;
        }
    }

    private RouteSort Sort(string name)
    {
        var text = Text(name);
        if (text is null) return RouteSort.Priority;
        if (Enum.TryParse<RouteSort>(text, ignoreCase: true, out var sort) && !text.Any(char.IsAsciiDigit)) return sort;
        _problems.Add($"{name}: expected one of {string.Join(", ", Enum.GetNames<RouteSort>().Select(n => n.ToLowerInvariant()))}, got '{text}'");
        return RouteSort.Priority;
    }

    private int Int(string name, int fallback, int min, int max) => Number(name, fallback, min, max, NumberStyles.Integer, "a whole number");

    private double Double(string name, double fallback, double min, double max) => Number(name, fallback, min, max, NumberStyles.Float, "a number");

    private T Number<T>(string name, T fallback, T min, T max, NumberStyles styles, string what) where T : System.Numerics.INumber<T>
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (T.TryParse(text, styles, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            return value;
        _problems.Add($"{name}: expected {what} from {min} to {max}, got '{text}'");
        return fallback;
    }

    private TimeSpan Seconds(string name, double fallback, bool allowZero = false)
    {
        var text = Text(name);
        if (text is null) return TimeSpan.FromSeconds(fallback);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && (value > 0 || (allowZero && value == 0)) && value <= 7 * 24 * 3600)
            return TimeSpan.FromSeconds(value);
        _problems.Add($"{name}: expected a {(allowZero ? "non-negative" : "positive")} number of seconds, got '{text}'");
        return TimeSpan.FromSeconds(fallback);
    }

    private UpstreamHttpVersion HttpVersionOf(string name)
    {
        var text = Text(name);
        switch (text?.ToLowerInvariant())
        {
            case null or "auto": return UpstreamHttpVersion.Auto;
            case "1.1" or "1": return UpstreamHttpVersion.Http11;
            case "2" or "2.0": return UpstreamHttpVersion.Http2;
            default:
                _problems.Add($"{name}: expected auto, 1.1 or 2, got '{text}'");
                return UpstreamHttpVersion.Auto;
        }
    }

    private string HttpUrl(string name, string fallback)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (IsHttpUrl(text)) return text.TrimEnd('/');
        _problems.Add($"{name}: expected an absolute http(s) URL, got '{text}'");
        return fallback;
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);


    private static bool IsAkkaAddress(string text, string protocol) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == protocol && uri.Port > 0 && !string.IsNullOrEmpty(uri.UserInfo);
}
