using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Router.FakeOpenRouter;
using Router.Node.Hosting;
using Router.Tests.Support;

namespace Router.Tests.Security;

[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class SecretHygieneTests
{
    private const string Secret = "sk-or-v1-TOPSECRET0123456789abcdef";

    [Fact]
    public async Task The_openrouter_key_never_appears_in_logs_or_answers()
    {
        await using var fake = await Fakes.StartAsync(("test/gamma", new FakeBehavior { StatusCode = 503 }));
        var logs = new CapturingLoggerProvider();
        var dataDir = TestNodes.TempDir();
        var settings = TestNodes.Settings(fake, dataDir) with { OpenRouter = Fakes.ClientOptions(fake) with { ApiKey = Secret, RetryAttempts = 2 } };
        var answers = new List<string>();
        try
        {
            await using (var node = await RouterNode.StartAsync(settings, new RouterNodeOptions
            {
                Logging = l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace),
            }))
            {
                await TestNodes.WaitReadyAsync(node);
                using var http = new HttpClient();
                foreach (var (model, stream) in new[] { ("test/alpha", false), ("test/gamma", false), ("test/beta", true), ("no/such", false) })
                {
                    var response = await http.PostAsJsonAsync(node.Url + "/v1/chat/completions",
                        new { model, stream, messages = new[] { new { role = "user", content = "hi" } } });
                    answers.Add(await response.Content.ReadAsStringAsync());
                }
                answers.Add(await http.GetStringAsync(node.Url + "/router/models/test/alpha"));
                answers.Add(await http.GetStringAsync(node.Url + "/router/catalog"));
            }
            Assert.Contains(answers, a => a.Contains("upstream_unauthorized")); // the wrong key was really used and refused
            Assert.NotEmpty(logs.Lines);
            Assert.DoesNotContain(logs.Lines, l => l.Contains("TOPSECRET", StringComparison.Ordinal));
            Assert.DoesNotContain(answers, a => a.Contains("TOPSECRET", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
