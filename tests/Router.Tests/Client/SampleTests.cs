using System.Diagnostics;
using Router.Tests.Support;

namespace Router.Tests.Client;

/// <summary>samples/Router.Sample against a node in DEV_MODE (no key, the built-in fake), as README runs it.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class SampleTests
{
    [Fact]
    public async Task The_sample_calls_its_tool_through_the_cluster_and_streams_the_answer()
    {
        await using var node = NodeProcess.Start("dev", new Dictionary<string, string> { ["DEV_MODE"] = "true" });
        await node.WaitReadyAsync();
        var dll = RepoFiles.BuiltDll("samples/Router.Sample", "Router.Sample");

        using var sample = Process.Start(Router.Shared.Loopback.DotnetChild(dll, ["--question", "What is the weather in Lisbon?"],
            new Dictionary<string, string> { ["ROUTER_SEED_NODES"] = node.Address }, TestNodes.TempDir()))!;
        var output = sample.StandardOutput.ReadToEndAsync();
        var errors = sample.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await sample.WaitForExitAsync(timeout.Token);
        var text = await output + await errors;

        Assert.True(sample.ExitCode == 0, text);
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("> What is the weather in Lisbon?", lines[0]);
        Assert.Equal("[tool] get_weather(Lisbon)", lines[1]);
        Assert.Contains("the tool answered: Sunny, 21 C in Lisbon", lines[2]);
        Assert.Matches(@"^\[router\] answered by \S+ after \d+ attempt\(s\)", lines[3]);
        Assert.True(lines.Length == 4, text); // nothing else: no log line reaches the application's console
    }
}
