using Router.Client.Configuration;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.Node.Configuration;
using Router.Node.Security;
using Router.Tests.Support;

namespace Router.Tests.Security;

public class ApiKeyRingTests
{
    [Fact]
    public void Identifies_known_keys_by_a_stable_short_id_and_refuses_others()
    {
        var ring = new ApiKeyRing(["key-one-0123456789", "key-two-0123456789"]);
        var one = ring.Identify("key-one-0123456789");
        Assert.NotNull(one);
        Assert.Equal(12, one.Length);
        Assert.Equal(one, new ApiKeyRing(["key-one-0123456789"]).Identify("key-one-0123456789"));
        Assert.NotEqual(one, ring.Identify("key-two-0123456789"));
        Assert.DoesNotContain("key-one", one);
        Assert.Null(ring.Identify("key-one-0123456788"));
        Assert.Null(ring.Identify(""));
        Assert.Null(ring.Identify(null));
        Assert.False(new ApiKeyRing([]).Enabled);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://10.1.2.3:8080")]
    [InlineData("http://router.example:8080")]
    [InlineData("http://127.0.0.1:8080;http://0.0.0.0:9090")]
    public void A_non_loopback_front_without_keys_refuses_to_start(string urls)
    {
        var e = Assert.Throws<RouterConfigurationException>(() => RouterSettings.Load(RouterConfiguration.Build([], Path.GetTempPath(),
            new Dictionary<string, string?> { ["OPENROUTER_API_KEY"] = "k", ["ASPNETCORE_URLS"] = urls })));
        Assert.StartsWith("ROUTER_API_KEYS", Assert.Single(e.Problems));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", null, null)]
    [InlineData("http://localhost:8080", null, null)]
    [InlineData("http://[::1]:8080", null, null)]
    [InlineData("http://127.0.0.2:8080", null, null)]
    [InlineData("http://0.0.0.0:8080", "k1", null)]
    [InlineData("http://0.0.0.0:8080", null, "router")] // a router-only node serves no API
    public void Loopback_keyed_or_router_only_binds_start(string urls, string? keys, string? roles)
    {
        var settings = RouterSettings.Load(RouterConfiguration.Build([], Path.GetTempPath(), new Dictionary<string, string?>
        {
            ["OPENROUTER_API_KEY"] = "k", ["ASPNETCORE_URLS"] = urls, ["ROUTER_API_KEYS"] = keys, ["ROUTER_ROLES"] = roles,
        }));
        Assert.NotNull(settings);
    }
}

[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class ApiKeyEndToEndTests : NodeTestBase
{
    private const string Key = "client-key-3b1f8e2a9d";
    protected override Router.Client.Configuration.RouterSettings Configure(Router.Client.Configuration.RouterSettings settings) =>
        settings with { ApiKeys = [Key, "other-client-key-0000"], PerKeyDailyRequestCap = 3, DailyRequestCap = 5 };

    private async Task<HttpResponseMessage> PostAsync(string? bearer = null, string? header = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Node.Url + "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "test/alpha", messages = new[] { new { role = "user", content = "hi" } } }),
        };
        if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
        if (header is not null) request.Headers.Add("X-Api-Key", header);
        using var http = new HttpClient();
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task The_api_needs_a_known_key_and_health_does_not()
    {
        var missing = await PostAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(bearer: "nope")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(bearer: Key)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(header: Key)).StatusCode);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Node.Url + "/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Node.Url + "/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Node.Url + "/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Node.Url + "/metrics")).StatusCode);
        using var withKey = new HttpRequestMessage(HttpMethod.Get, Node.Url + "/metrics") { Headers = { Authorization = new("Bearer", Key) } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withKey)).StatusCode);
        Assert.Equal(2, Fake.Script.TotalCalls);
    }

    [Fact]
    public async Task Daily_caps_apply_per_key_and_globally_with_retry_after()
    {
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(bearer: Key)).StatusCode);
        var capped = await PostAsync(bearer: Key);
        Assert.Equal(HttpStatusCode.TooManyRequests, capped.StatusCode);
        var error = JsonDocument.Parse(await capped.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("daily_cap_reached", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("rate_limited").GetBoolean());
        var retryAfter = capped.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter.TotalSeconds, 1, 86400);

        // The other key has its own 3, but the global cap of 5 stops it after 2.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(bearer: "other-client-key-0000")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(bearer: "other-client-key-0000")).StatusCode);
        var global = await PostAsync(bearer: "other-client-key-0000");
        Assert.Equal(HttpStatusCode.TooManyRequests, global.StatusCode);
        Assert.Contains("global", await global.Content.ReadAsStringAsync());
        Assert.Equal(5, Fake.Script.TotalCalls);
    }
}
