using Router.Client.Configuration;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Observability;

/// <summary>The live health page in headless Chromium (Debian's chromium; .ci/run installs it): rendered rows and a screenshot.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class HealthPageTests(ITestOutputHelper output) : NodeTestBase
{
    protected override Router.Client.Configuration.RouterSettings Configure(Router.Client.Configuration.RouterSettings settings) =>
        settings with { ApiKeys = ["page-key-0123456789"] };

    protected override (string Model, FakeBehavior Behavior)[] InitialBehaviors =>
        [("test/delta", new FakeBehavior { StatusCode = 500 }), ("test/gamma", new FakeBehavior { StatusCode = 429, RetryAfterSeconds = 120 })];

    [Fact]
    public async Task The_page_shows_each_models_circuit_rest_latency_and_errors()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "page-key-0123456789");
        for (var i = 0; i < 3; i++)
            await http.PostAsJsonAsync(Node.Url + "/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } } });
        await Task.Delay(1500); // health publications are throttled to one a second per model

        var url = Node.Url + "/router/health?key=page-key-0123456789";
        var dom = await Chromium.RunAsync("--dump-dom", url);
        Assert.Contains("data-model=\"test/delta\"", dom);
        Assert.Contains("class=\"pill open\"", dom);             // delta: two failures opened its circuit
        Assert.Contains("class=\"pill resting\">rate limited", dom); // gamma: resting after its 429
        Assert.Contains("data-model=\"test/beta\"", dom);
        Assert.Matches(@"\d+ active models, 1 open circuits, 1 resting", dom);
        Assert.Contains("<th class=\"num\">Tokens/s</th>", dom);
        // beta answered: its row shows a recent error rate of 0 and a score between 0 and 1.
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"data-model=""test/beta""(?:(?!</tr>).)*?0\.0 %</td>\s*<td class=""num"">0\.\d{3}</td>",
            System.Text.RegularExpressions.RegexOptions.Singleline), dom);

        // The last 15 minutes as charts with data: the cluster first, then the troubled models first (delta's circuit is open).
        var cards = Regex.Matches(dom, "data-history=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal("all models (cluster)", cards[0]);
        Assert.True(cards.IndexOf("test/delta") < cards.IndexOf("test/beta"), string.Join(", ", cards));
        string Card(string model) => Regex.Match(dom, "data-history=\"" + Regex.Escape(model) + "\".*?(?=data-history=|<table>|$)", RegexOptions.Singleline).Value;
        const string Line = "><polyline stroke=\"[^\"]+\" points=\"[\\d.]+,[\\d.]+"; // a polyline with at least one point
        Assert.Matches("data-series=\"requests\"[^>]*" + Line, Card("test/beta"));
        Assert.Matches("data-series=\"latency\"[^>]*" + Line, Card("test/beta"));
        Assert.Contains("fill=\"#d64545\"", Card("test/delta")); // its circuit strip shows it open
        Assert.Contains("error rate <b>100.0 %</b>", Card("test/delta"));
        // This node's fallbacks (router_fallbacks_total) drawn by time: the chart peaks (y 2.0) where they happened.
        Assert.Matches("data-series=\"fallbacks\"[^>]*><polyline stroke=\"[^\"]+\" points=\"[^\"]*,2\\.0[ \"]", Card("all models (cluster)"));

        var screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "health-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        await Chromium.RunAsync($"--screenshot={screenshot}", url);
        Assert.True(new FileInfo(screenshot).Length > 10_000, "screenshot written");
        output.WriteLine("screenshot: " + screenshot);

        var refused = await new HttpClient().GetAsync(Node.Url + "/router/health");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
