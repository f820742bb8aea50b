using Router.Client.Configuration;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Router.FakeOpenRouter;
using Router.Tests.Support;

namespace Router.Tests.Observability;

/// <summary>
/// The Grafana dashboard in deploy/grafana: a well-formed dashboard whose every query names a metric a node exports
/// (checked against a real node's /metrics after traffic that touches each); the Prometheus scrape config names the
/// compose topology's nodes.
/// </summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public partial class DashboardTests : NodeTestBase
{
    protected override Router.Client.Configuration.RouterSettings Configure(Router.Client.Configuration.RouterSettings settings) =>
        settings with { CacheTtl = TimeSpan.FromMinutes(1), DailyRequestCap = 1000, DailySpendCapUsd = 100 };

    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors => [("test/delta", new FakeBehavior { StatusCode = 500 })];

    [GeneratedRegex(@"\b(?:router|dotnet)_[a-z_]+")]
    private static partial Regex MetricName();

    [Fact]
    public async Task Every_panel_is_well_formed_and_every_query_names_a_metric_a_node_exports()
    {
        var dashboard = JsonDocument.Parse(RepoFiles.Read("deploy/grafana/router-dashboard.json")).RootElement;
        Assert.Equal("router-overview", dashboard.GetProperty("uid").GetString());
        var panels = dashboard.GetProperty("panels").EnumerateArray().ToList();
        Assert.True(panels.Count >= 10);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var metrics = new HashSet<string>();
        foreach (var panel in panels)
        {
            Assert.False(string.IsNullOrWhiteSpace(panel.GetProperty("title").GetString()));
            Assert.Contains(panel.GetProperty("type").GetString(), new[] { "timeseries", "stat" });
            foreach (var field in new[] { "x", "y", "w", "h" }) Assert.True(panel.GetProperty("gridPos").GetProperty(field).GetInt32() >= 0);
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            foreach (var target in targets)
            {
                Assert.False(string.IsNullOrWhiteSpace(target.GetProperty("refId").GetString()));
                var expr = target.GetProperty("expr").GetString()!;
                Assert.Equal(expr.Count(c => c == '('), expr.Count(c => c == ')'));
                var named = MetricName().Matches(expr).Select(m => Regex.Replace(m.Value, "_bucket$", "")).ToList();
                Assert.NotEmpty(named);
                metrics.UnionWith(named);
            }
        }

        // Traffic that touches every family: a fallback and an open circuit, a cache hit, quota and spend, a stream.
        using var http = new HttpClient();
        var question = new { model = "test/delta", temperature = 0, messages = new[] { new { role = "user", content = "Hi" } } };
        for (var i = 0; i < 3; i++) (await http.PostAsJsonAsync(Node.Url + "/v1/chat/completions", question)).EnsureSuccessStatusCode();
        using var stream = await http.PostAsJsonAsync(Node.Url + "/v1/chat/completions", new { model = "test/beta", stream = true, messages = question.messages });
        await stream.Content.ReadAsStringAsync();
        string[] Missing(string exported) =>
            metrics.Where(m => !exported.Contains(m + "{", StringComparison.Ordinal) && !exported.Contains(m + " ", StringComparison.Ordinal)).ToArray();
        string[] missing = [];
        try
        {
            await Wait.UntilAsync(async () => (missing = Missing(await http.GetStringAsync(Node.Url + "/metrics"))).Length == 0, 15_000);
        }
        catch (Exception) when (missing.Length > 0)
        {
            Assert.Fail("queried but not exported: " + string.Join(", ", missing));
        }
    }

    [Fact]
    public void The_scrape_config_names_every_node_of_the_compose_topology_on_its_http_port()
    {
        var compose = RepoFiles.Read("docker-compose.yml");
        var nodes = Regex.Matches(compose, @"^  ((?:router|front)-\d+):\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.NotEmpty(nodes);
        var httpPort = RepoFiles.ImageHttpPort;
        var targets = Regex.Matches(RepoFiles.Read("deploy/prometheus/prometheus.yml"), @"""([a-z0-9-]+):(\d+)""").Select(m => (Host: m.Groups[1].Value, Port: m.Groups[2].Value)).ToList();
        Assert.Equal(nodes, targets.Select(t => t.Host).ToHashSet());
        Assert.All(targets, t => Assert.Equal(httpPort, t.Port));
    }
}
