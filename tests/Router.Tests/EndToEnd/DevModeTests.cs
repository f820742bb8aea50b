using Router.Client.Configuration;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.Node.Configuration;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>With no OpenRouter key a node starts the built-in fake and routes real requests to it.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class DevModeTests
{
    [Fact]
    public async Task A_node_without_a_key_routes_to_the_built_in_fake_and_shows_fallback()
    {
        var dataDir = TestNodes.TempDir();
        var settings = RouterSettings.Load(RouterConfiguration.Build([], dataDir, new Dictionary<string, string?>
        {
            ["ROUTER_DATA_DIR"] = dataDir,
            ["ROUTER_PORT"] = TestNodes.FreePort().ToString(),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["OPENROUTER_RETRY_BACKOFF_BASE"] = "0.05",
            ["OPENROUTER_RETRY_BACKOFF_MAX"] = "0.1",
        }));
        Assert.True(settings.DevMode);
        try
        {
            var logs = new CapturingLoggerProvider();
            await using var node = await TestNodes.StartAsync(settings, logs: logs);
            Assert.NotNull(node.Fake);
            using var http = new HttpClient();

            var models = await http.GetFromJsonAsync<JsonElement>(node.Url + "/v1/models");
            Assert.Equal(300, models.GetProperty("data").GetArrayLength());

            var response = await http.PostAsJsonAsync(node.Url + "/v1/chat/completions",
                new { messages = new[] { new { role = "user", content = "Hello, world!" } } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var attempts = body.GetProperty("router").GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal("failed", attempts[0].GetProperty("outcome").GetString()); // the scenario's rate-limited model
            Assert.Equal(429, attempts[0].GetProperty("status_code").GetInt32());
            Assert.Equal("ok", attempts[^1].GetProperty("outcome").GetString());
            Assert.Equal("HTTP/2", node.Fake!.Script.LastProtocol); // as OpenRouter is reached: over HTTP/2

            // The start-up warning names an address a plain (HTTP/1.1) curl can script the fake at.
            var warning = logs.Lines.Single(l => l.Contains("DEV_MODE", StringComparison.Ordinal));
            var fakeUrl = System.Text.RegularExpressions.Regex.Match(warning, @"curl -X PUT (http://\S+)/_fake/behaviors").Groups[1].Value;
            using var put = new HttpRequestMessage(HttpMethod.Put, fakeUrl + "/_fake/behaviors/dev/any")
            {
                Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new StringContent("{\"statusCode\":503}", System.Text.Encoding.UTF8, "application/json"),
            };
            Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(put)).StatusCode);
            Assert.Equal(503, node.Fake.Script.For("dev/any").StatusCode);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
