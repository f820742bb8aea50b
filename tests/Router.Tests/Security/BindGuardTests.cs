using Router.Client.Security;
using Router.Node.Security;
using Router.Tests.Support;

namespace Router.Tests.Security;

public class BindGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://127.0.0.2:8080", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://[::ffff:127.0.0.1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://[::ffff:10.0.0.1]:8080", false)]
    [InlineData("http://router.example:8080", false)]
    public void Only_loopback_addresses_count_as_loopback(string url, bool loopback) => Assert.Equal(loopback, BindGuard.IsLoopback(url));

    [Fact]
    public void A_front_bound_beyond_loopback_needs_keys()
    {
        string[] bound = ["http://127.0.0.1:8080", "http://0.0.0.0:9090"];
        Assert.StartsWith("ROUTER_API_KEYS", BindGuard.Problem(bound, servesApi: true, hasKeys: false));
        Assert.Contains("http://0.0.0.0:9090", BindGuard.Problem(bound, servesApi: true, hasKeys: false));
        Assert.Null(BindGuard.Problem(bound, servesApi: true, hasKeys: true));
        Assert.Null(BindGuard.Problem(bound, servesApi: false, hasKeys: false));
        Assert.Null(BindGuard.Problem(["http://127.0.0.1:8080"], servesApi: true, hasKeys: false));
    }
}

/// <summary>Real node processes started with binds that the configured URLs do not show.</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class BindGuardProcessTests
{
    private static async Task<string> ExitOutputAsync(NodeProcess node)
    {
        await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return string.Join('\n', node.Output);
    }

    [Fact]
    public async Task A_kestrel_endpoint_beyond_loopback_without_keys_stops_the_node_before_it_serves()
    {
        var port = TestNodes.FreePort();
        await using var node = NodeProcess.Start("open-endpoint", new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__e1__Url"] = $"http://0.0.0.0:{port}",
        });
        var output = await ExitOutputAsync(node);
        Assert.Equal(2, node.ExitCode);
        Assert.Contains("ROUTER_API_KEYS", output);
        Assert.Contains($"http://0.0.0.0:{port}", output);
    }

    [Fact]
    public async Task An_address_that_cannot_be_bound_is_a_configuration_error()
    {
        await using var node = NodeProcess.Start("bad-address", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://[::ffff:127.0.0.1]:{TestNodes.FreePort()}",
        });
        var output = await ExitOutputAsync(node);
        Assert.Equal(2, node.ExitCode);
        Assert.Contains("ASPNETCORE_URLS", output);
        Assert.DoesNotContain("Unhandled exception", output);
    }
}
