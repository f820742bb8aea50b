using Microsoft.Extensions.Configuration;
using Router.Client.Configuration;
using Router.Actors.OpenRouter;
using Router.Contracts.OpenRouter;
using Router.Node.Configuration;

namespace Router.Tests.Configuration;

public class RouterSettingsTests
{
    private static RouterSettings Load(Dictionary<string, string?> env, string[]? args = null, string? directory = null) =>
        RouterSettings.Load(RouterConfiguration.Build(args ?? [], directory ?? Path.GetTempPath(), env));

    private static RouterConfigurationException Invalid(Dictionary<string, string?> env) =>
        Assert.Throws<RouterConfigurationException>(() => Load(env));

    [Fact]
    public void An_embedded_member_counts_its_requests_under_its_own_name()
    {
        static IConfiguration Named(string? name) => new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ROUTER_CLIENT_NAME"] = name }).Build();
        Assert.Equal("embedded", RouterSettings.LoadEmbedded(Named(null)).EmbeddedClientId);
        Assert.Equal("embedded:billing-v2.1_x", RouterSettings.LoadEmbedded(Named(" billing-v2.1_x ")).EmbeddedClientId);
        foreach (var bad in new[] { "a b", "x/y", "x:y", new string('a', 65), "caf\u00e9" })
            Assert.Contains(Assert.Throws<RouterConfigurationException>(() => RouterSettings.LoadEmbedded(Named(bad))).Problems,
                p => p.StartsWith("ROUTER_CLIENT_NAME:", StringComparison.Ordinal));
        // A node serves HTTP clients by their keys; its own RouterClient keeps the default.
        Assert.Equal("embedded", RouterSettings.Load(Named("billing")).EmbeddedClientId);
    }

    [Fact]
    public void Defaults_follow_the_seed_and_the_design()
    {
        var s = Load(new() { ["OPENROUTER_API_KEY"] = "sk-or-x" });
        Assert.Equal("https://openrouter.ai/api/v1", s.OpenRouter.BaseUrl);
        Assert.Equal(TimeSpan.FromSeconds(60), s.OpenRouter.Timeout);
        Assert.Equal(3, s.OpenRouter.RetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), s.OpenRouter.BackoffBase);
        Assert.Equal(TimeSpan.FromSeconds(12), s.OpenRouter.BackoffMax);
        Assert.Equal(0.25, s.OpenRouter.Jitter);
        Assert.Equal(UpstreamHttpVersion.Auto, s.OpenRouter.HttpVersion);
        Assert.Null(s.DefaultModel);
        Assert.Empty(s.FallbackModels);
        Assert.False(s.DevMode);
        Assert.Equal(TimeSpan.FromHours(1), s.CatalogTtl);
        Assert.Null(s.Database);
        Assert.Equal("./data", s.DataDir);
        Assert.Equal("127.0.0.1", s.Hostname);
        Assert.Equal(4053, s.Port);
        Assert.Equal(["router", "front"], s.Roles);
        Assert.Equal(["http://127.0.0.1:8080"], s.Urls);
        Assert.Null(s.DailyRequestCap);
    }

    [Fact]
    public void Reads_every_variable()
    {
        var s = Load(new()
        {
            ["OPENROUTER_API_KEY"] = "sk-or-x",
            ["OPENROUTER_BASE_URL"] = "http://127.0.0.1:9999/api/v1/",
            ["OPENROUTER_DEFAULT_MODEL"] = "openai/gpt-4o",
            ["OPENROUTER_FALLBACK_MODELS"] = " a/b , c/d,,a/b ",
            ["OPENROUTER_TIMEOUT"] = "12.5",
            ["OPENROUTER_RETRY_ATTEMPTS"] = "5",
            ["OPENROUTER_RETRY_BACKOFF_BASE"] = "0.5",
            ["OPENROUTER_RETRY_BACKOFF_MAX"] = "4",
            ["OPENROUTER_RETRY_JITTER"] = "0",
            ["OPENROUTER_HTTP_VERSION"] = "2",
            ["ROUTER_CATALOG_TTL"] = "120",
            ["ROUTER_DB"] = "Host=127.0.0.1;Database=router",
            ["ROUTER_DATA_DIR"] = "/tmp/router",
            ["ROUTER_HOSTNAME"] = "10.0.0.5",
            ["ROUTER_REMOTING_ALLOW_PLAINTEXT"] = "true",
            ["ROUTER_MAX_COOLDOWN_SECONDS"] = "600",
            ["ROUTER_PORT"] = "5000",
            ["ROUTER_SEED_NODES"] = "akka.tcp://router@10.0.0.5:5000,akka.tcp://router@10.0.0.6:5000",
            ["ROUTER_ROLES"] = "router",
            ["ROUTER_API_KEYS"] = "k1,k2",
            ["ROUTER_DAILY_REQUEST_CAP"] = "1000",
            ["ASPNETCORE_URLS"] = "http://0.0.0.0:8081;http://127.0.0.1:8082",
        });
        Assert.Equal("http://127.0.0.1:9999/api/v1", s.OpenRouter.BaseUrl);
        Assert.Equal("openai/gpt-4o", s.DefaultModel);
        Assert.Equal(["a/b", "c/d"], s.FallbackModels);
        Assert.Equal(TimeSpan.FromSeconds(12.5), s.OpenRouter.Timeout);
        Assert.Equal(5, s.OpenRouter.RetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(0.5), s.OpenRouter.BackoffBase);
        Assert.Equal(TimeSpan.FromSeconds(4), s.OpenRouter.BackoffMax);
        Assert.Equal(0, s.OpenRouter.Jitter);
        Assert.Equal(UpstreamHttpVersion.Http2, s.OpenRouter.HttpVersion);
        Assert.Equal(TimeSpan.FromSeconds(120), s.CatalogTtl);
        Assert.Equal("Host=127.0.0.1;Database=router", s.Database);
        Assert.Equal("/tmp/router", s.DataDir);
        Assert.Equal(5000, s.Port);
        Assert.Equal(2, s.SeedNodes.Count);
        Assert.Equal(["router"], s.Roles);
        Assert.Equal(["k1", "k2"], s.ApiKeys);
        Assert.Equal(1000, s.DailyRequestCap);
        Assert.Equal(["http://0.0.0.0:8081", "http://127.0.0.1:8082"], s.Urls);
        Assert.True(s.AllowPlaintextRemoting);
        Assert.Null(s.RemotingTls);
        Assert.Equal(TimeSpan.FromMinutes(10), s.MaxCooldown);
    }

    [Fact]
    public void Remoting_beyond_loopback_needs_a_certificate_or_the_opt_out()
    {
        var e = Invalid(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_HOSTNAME"] = "router-1" });
        Assert.StartsWith("ROUTER_REMOTING_TLS_CERT", Assert.Single(e.Problems));
        Assert.Contains("ROUTER_REMOTING_ALLOW_PLAINTEXT", e.Problems[0]);
        Assert.Null(Load(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_HOSTNAME"] = "localhost" }).RemotingTls);
    }

    [Fact]
    public void A_remoting_certificate_is_loaded_and_seeds_must_speak_tls()
    {
        var path = Path.Combine(Path.GetTempPath(), $"router-test-{Guid.NewGuid():N}.pfx");
        using (var key = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=router", key,
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllBytes(path, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pw"));
        }
        try
        {
            var s = Load(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_HOSTNAME"] = "router-1", ["ROUTER_REMOTING_TLS_CERT"] = path,
                ["ROUTER_REMOTING_TLS_CERT_PASSWORD"] = "pw", ["ROUTER_SEED_NODES"] = "akka.ssl.tcp://router@router-1:4053" });
            Assert.Equal([s.RemotingTls!.Certificate.Thumbprint], s.RemotingTls.PeerThumbprints); // by default: peers present this certificate
            Assert.Equal("akka.ssl.tcp", s.RemotingProtocol);

            var wrongPassword = Invalid(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_REMOTING_TLS_CERT"] = path, ["ROUTER_REMOTING_TLS_CERT_PASSWORD"] = "nope" });
            Assert.StartsWith("ROUTER_REMOTING_TLS_CERT", Assert.Single(wrongPassword.Problems));
            Assert.DoesNotContain("nope", wrongPassword.Message);

            var plaintextSeed = Invalid(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_REMOTING_TLS_CERT"] = path, ["ROUTER_REMOTING_TLS_CERT_PASSWORD"] = "pw",
                ["ROUTER_SEED_NODES"] = "akka.tcp://router@127.0.0.1:4053" });
            Assert.StartsWith("ROUTER_SEED_NODES", Assert.Single(plaintextSeed.Problems));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("auto", UpstreamHttpVersion.Auto)]
    [InlineData("1.1", UpstreamHttpVersion.Http11)]
    [InlineData("2", UpstreamHttpVersion.Http2)]
    [InlineData(" 2.0 ", UpstreamHttpVersion.Http2)]
    public void The_upstream_http_version_is_auto_1_1_or_2(string value, UpstreamHttpVersion expected) =>
        Assert.Equal(expected, Load(new() { ["OPENROUTER_API_KEY"] = "k", ["OPENROUTER_HTTP_VERSION"] = value }).OpenRouter.HttpVersion);

    [Theory]
    [InlineData(null, RouteSort.Priority)]
    [InlineData("score", RouteSort.Score)]
    [InlineData(" Price ", RouteSort.Price)]
    public void The_default_sort_is_priority_unless_set(string? value, RouteSort expected) =>
        Assert.Equal(expected, Load(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DEFAULT_SORT"] = value }).DefaultSort);

    [Theory]
    [InlineData("OPENROUTER_TIMEOUT", "abc")]
    [InlineData("OPENROUTER_TIMEOUT", "0")]
    [InlineData("OPENROUTER_TIMEOUT", "-5")]
    [InlineData("OPENROUTER_RETRY_ATTEMPTS", "0")]
    [InlineData("OPENROUTER_RETRY_ATTEMPTS", "2.5")]
    [InlineData("OPENROUTER_RETRY_JITTER", "1.5")]
    [InlineData("OPENROUTER_RETRY_BACKOFF_BASE", "x")]
    [InlineData("OPENROUTER_HTTP_VERSION", "3")]
    [InlineData("OPENROUTER_BASE_URL", "ftp://example.com")]
    [InlineData("OPENROUTER_BASE_URL", "not a url")]
    [InlineData("ROUTER_CATALOG_TTL", "NaN")]
    [InlineData("ROUTER_PORT", "70000")]
    [InlineData("ROUTER_ROLES", "router,backend")]
    [InlineData("ROUTER_SEED_NODES", "127.0.0.1:4053")]
    [InlineData("ROUTER_DAILY_REQUEST_CAP", "0")]
    [InlineData("ROUTER_MAX_COOLDOWN_SECONDS", "-1")]
    [InlineData("ROUTER_REMOTING_TLS_CERT", "/no/such/router.pfx")]
    [InlineData("DEV_MODE", "maybe")]
    [InlineData("ASPNETCORE_URLS", "localhost:8080")]
    [InlineData("ROUTER_DEFAULT_SORT", "cheapest")]
    [InlineData("ROUTER_DEFAULT_SORT", "1")]
    [InlineData("ROUTER_SORT_EXPLORATION", "1.5")]
    [InlineData("ROUTER_DAILY_SPEND_CAP_USD", "0")]
    [InlineData("ROUTER_DAILY_SPEND_CAP_USD_PER_KEY", "ten")]
    [InlineData("ROUTER_DISCOVERY", "dns")]
    public void A_bad_value_names_its_variable(string name, string value)
    {
        var e = Invalid(new() { ["OPENROUTER_API_KEY"] = "k", [name] = value });
        var problem = Assert.Single(e.Problems);
        Assert.StartsWith(name, problem);
        Assert.Contains(value, problem);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var e = Invalid(new() { ["OPENROUTER_TIMEOUT"] = "x", ["ROUTER_PORT"] = "-1", ["OPENROUTER_RETRY_BACKOFF_BASE"] = "5", ["OPENROUTER_RETRY_BACKOFF_MAX"] = "2" });
        Assert.Equal(3, e.Problems.Count);
        Assert.Contains("OPENROUTER_TIMEOUT", e.Message);
        Assert.Contains("ROUTER_PORT", e.Message);
        Assert.Contains("OPENROUTER_RETRY_BACKOFF_MAX", e.Message);
    }

    [Fact]
    public void No_api_key_means_dev_mode_and_says_why()
    {
        var s = Load(new());
        Assert.True(s.DevMode);
        Assert.Equal("OPENROUTER_API_KEY is not set", s.DevModeReason);

        var forced = Load(new() { ["OPENROUTER_API_KEY"] = "k", ["DEV_MODE"] = "true" });
        Assert.True(forced.DevMode);
        Assert.Equal("DEV_MODE is set", forced.DevModeReason);
    }

    [Fact]
    public void Sources_layer_env_then_dotenv_then_secrets_then_appsettings_then_command_line()
    {
        var dir = Directory.CreateTempSubdirectory("router-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, ".env"), "OPENROUTER_TIMEOUT=20\nOPENROUTER_RETRY_ATTEMPTS=4\nOPENROUTER_DEFAULT_MODEL=\"from/dotenv\" # a comment\nROUTER_PORT=4100\n");
            File.WriteAllText(Path.Combine(dir, "secrets.env"), "OPENROUTER_API_KEY=sk-or-secret\nOPENROUTER_RETRY_ATTEMPTS=6\n");
            File.WriteAllText(Path.Combine(dir, "appsettings.json"), "{\"ROUTER_PORT\": \"4200\", \"ROUTER_CATALOG_TTL\": \"99\"}");
            var s = Load(
                new() { ["OPENROUTER_TIMEOUT"] = "10", ["OPENROUTER_RETRY_JITTER"] = "0.1", ["ROUTER_CATALOG_TTL"] = "50" },
                ["--ROUTER_CATALOG_TTL=77", "--urls", "http://127.0.0.1:9000"],
                dir);
            Assert.Equal(TimeSpan.FromSeconds(20), s.OpenRouter.Timeout);   // .env over environment
            Assert.Equal(0.1, s.OpenRouter.Jitter);                        // environment alone
            Assert.Equal("from/dotenv", s.DefaultModel);                   // quotes and comments handled
            Assert.Equal("sk-or-secret", s.OpenRouter.ApiKey);             // secrets.env
            Assert.Equal(6, s.OpenRouter.RetryAttempts);                   // secrets.env over .env
            Assert.Equal(4200, s.Port);                                    // appsettings over .env
            Assert.Equal(TimeSpan.FromSeconds(77), s.CatalogTtl);          // command line over all
            Assert.Equal(["http://127.0.0.1:9000"], s.Urls);
            Assert.False(s.DevMode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_api_key_never_appears_in_a_configuration_error()
    {
        var e = Invalid(new() { ["OPENROUTER_API_KEY"] = "sk-or-v1-supersecret", ["OPENROUTER_TIMEOUT"] = "x" });
        Assert.DoesNotContain("supersecret", e.ToString());
    }

    [Fact]
    public void Discovery_needs_its_endpoints_and_cannot_be_asked_for_more_nodes_than_it_lists()
    {
        var s = Load(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DISCOVERY"] = "config", ["ROUTER_DISCOVERY_ENDPOINTS"] = "router-1:4053, router-2:4053,router-3:4053" });
        Assert.Equal((DiscoveryMethod.Config, 3, TimeSpan.FromSeconds(5)), (s.Discovery.Method, s.Discovery.RequiredContactPoints, s.Discovery.StableMargin));
        Assert.Equal(["router-1:4053", "router-2:4053", "router-3:4053"], s.Discovery.Endpoints);
        Assert.False(Load(new() { ["OPENROUTER_API_KEY"] = "k" }).Discovery.UsesDiscovery);
        var kubernetes = Load(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DISCOVERY"] = "Kubernetes", ["ROUTER_REQUIRED_CONTACT_POINTS"] = "3" });
        Assert.Equal((DiscoveryMethod.Kubernetes, 3, "app={0}"), (kubernetes.Discovery.Method, kubernetes.Discovery.RequiredContactPoints, kubernetes.Discovery.PodLabelSelector));

        Assert.StartsWith("ROUTER_DISCOVERY_ENDPOINTS", Assert.Single(Invalid(new() { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DISCOVERY"] = "config" }).Problems));
        Assert.StartsWith("ROUTER_DISCOVERY_ENDPOINTS: 'router-1'", Assert.Single(Invalid(new()
            { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DISCOVERY"] = "config", ["ROUTER_DISCOVERY_ENDPOINTS"] = "router-1" }).Problems));
        Assert.StartsWith("ROUTER_REQUIRED_CONTACT_POINTS", Assert.Single(Invalid(new()
            { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DISCOVERY"] = "config", ["ROUTER_DISCOVERY_ENDPOINTS"] = "a:1,b:2", ["ROUTER_REQUIRED_CONTACT_POINTS"] = "3" }).Problems));
        Assert.StartsWith("ROUTER_SEED_NODES", Assert.Single(Invalid(new()
            { ["OPENROUTER_API_KEY"] = "k", ["ROUTER_DISCOVERY"] = "kubernetes", ["ROUTER_SEED_NODES"] = "akka.tcp://router@127.0.0.1:4053" }).Problems));
    }
}
